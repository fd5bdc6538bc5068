import { contextBridge, ipcRenderer } from 'electron';
import { APP_INFO_CHANNEL, type AppInfo } from '../shared/app-info';

// The narrow API the renderer sees; nothing else from Electron crosses the bridge.
const api = {
  appInfo: (): Promise<AppInfo> => ipcRenderer.invoke(APP_INFO_CHANNEL) as Promise<AppInfo>,
};

export type PreloadApi = typeof api;

contextBridge.exposeInMainWorld('workbench', api);
