declare module '*.svelte' {
  import type { Component } from 'svelte';
  const component: Component;
  export default component;
}

interface Window {
  workbench?: { appInfo(): Promise<{ name: string; version: string; platform: string }> };
}
