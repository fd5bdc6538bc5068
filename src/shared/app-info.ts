/** What the renderer may learn about the app at start-up (the first method of the contract). */
export interface AppInfo {
  readonly name: string;
  readonly version: string;
  readonly platform: string;
}
