import { contextBridge, ipcRenderer, type IpcRendererEvent, webUtils } from 'electron';
import { type CallEnvelope, IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, isMethodName } from '../shared/contract';
import type { WorkbenchEvent } from '../shared/workbench-events';

/**
 * The narrow API the renderer sees (window.workbench): one call function for the contract's methods, one
 * event subscription, and the path of a file dropped on the page (what an import of dropped folders
 * needs). Nothing else from Electron crosses the bridge; main validates every input, paths included.
 */
const api = {
  /** Main's answer, a CallEnvelope, passed through unchanged (the renderer's client unwraps it). */
  call: (method: string, params: unknown): Promise<CallEnvelope> => {
    if (!isMethodName(method)) {
      const error = { name: 'RequestError', message: `unknown method '${String(method)}'` };
      return Promise.resolve({ ok: false, error });
    }
    return ipcRenderer.invoke(IPC_CALL_CHANNEL, method, params) as Promise<CallEnvelope>;
  },
  onEvent: (listener: (event: WorkbenchEvent) => void): (() => void) => {
    const handler = (_e: IpcRendererEvent, event: WorkbenchEvent) => listener(event);
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler);
  },
  /** The file-system path of a dropped File; '' for anything else (a File made in script has none). */
  pathForFile: (file: unknown): string => {
    try {
      return webUtils.getPathForFile(file as Parameters<typeof webUtils.getPathForFile>[0]);
    } catch {
      return '';
    }
  },
};

export type PreloadApi = typeof api;

contextBridge.exposeInMainWorld('workbench', api);
