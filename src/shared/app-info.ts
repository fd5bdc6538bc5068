/** What the renderer may learn about the app at start-up (the first method of the contract). */
export interface AppInfo {
  readonly name: string;
  readonly version: string;
  readonly platform: string;
}

/** The one IPC channel the shell uses so far; the full contract arrives with the UI issue. */
export const APP_INFO_CHANNEL = 'app:info' as const;
