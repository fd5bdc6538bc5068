declare module '*.svelte' {
  import type { Component } from 'svelte';
  const component: Component;
  export default component;
}

/**
 * What the preload exposes (src/preload/index.ts): one call function, one event subscription and the path
 * of a dropped file.
 */
interface Window {
  workbench?: {
    /** Resolves with main's CallEnvelope (checked by lib/client.ts before it is trusted). */
    call(method: string, params: unknown): Promise<unknown>;
    onEvent(listener: (event: import('../../shared/workbench-events').WorkbenchEvent) => void): () => void;
    pathForFile(file: File): string;
  };
}
