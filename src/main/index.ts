/**
 * The Electron main process: one locked-down window (contextIsolation, sandbox, no nodeIntegration, a CSP
 * in index.html, navigation and new windows blocked), the workbench service on the user's database, and
 * the contract over one IPC channel whose every input is validated (see api/handlers.ts).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  app,
  BrowserWindow,
  dialog,
  type FileFilter,
  ipcMain,
  type IpcMainInvokeEvent,
  type OpenDialogOptions,
  type SaveDialogOptions,
  session,
  shell,
} from 'electron';
import { type CallEnvelope, IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, type ServerInfo } from '../shared/contract';
import type { ExportFormat } from '../shared/exports';
import { createHandlers, type DesktopHooks, dispatch, RequestError } from './api/handlers';
import { envelopeCalls, errorEnvelope } from './api/ipc-envelope';
import { Workbench } from './service/workbench';
import { openDatabase } from './store/db';
import { RunStore } from './store/run-store';
import { utilityLauncher } from './training/electron-launcher';
import { TrainingManager } from './training/manager';

const here = import.meta.dirname;

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    title: 'WGAN Workbench',
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      // No middle-click navigation into new windows.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  const devUrl = process.env['ELECTRON_RENDERER_URL'];
  if (devUrl) void win.loadURL(devUrl);
  else void win.loadFile(join(here, '../renderer/index.html'));
  return win;
}

/** Only our own page may call: the built file or the dev server. */
function trustedSender(event: IpcMainInvokeEvent): boolean {
  const url = event.senderFrame?.url ?? '';
  const devUrl = process.env['ELECTRON_RENDERER_URL'];
  return url.startsWith('file://') || (devUrl !== undefined && url.startsWith(devUrl));
}

const SAVE_FILTERS: Record<Exclude<ExportFormat, 'pngs'>, FileFilter> = {
  grid: { name: 'PNG image', extensions: ['png'] },
  gif: { name: 'GIF animation', extensions: ['gif'] },
  csv: { name: 'CSV table', extensions: ['csv'] },
  json: { name: 'JSON', extensions: ['json'] },
};

/** The native dialogs behind exportRun and chooseImportPaths, attached to the app's window. */
function desktopHooks(window: () => BrowserWindow | undefined): DesktopHooks {
  const open = (opts: OpenDialogOptions) => {
    const w = window();
    return w ? dialog.showOpenDialog(w, opts) : dialog.showOpenDialog(opts);
  };
  const save = (opts: SaveDialogOptions) => {
    const w = window();
    return w ? dialog.showSaveDialog(w, opts) : dialog.showSaveDialog(opts);
  };
  return {
    chooseDestination: async ({ format, suggestedName }) => {
      const downloads = app.getPath('downloads');
      if (format === 'pngs') {
        const r = await open({
          title: 'Folder for the sample PNGs',
          buttonLabel: 'Export here',
          defaultPath: downloads,
          properties: ['openDirectory', 'createDirectory', 'promptToCreate'],
        });
        return r.canceled ? null : (r.filePaths[0] ?? null);
      }
      const r = await save({
        title: 'Export',
        defaultPath: join(downloads, suggestedName),
        filters: [SAVE_FILTERS[format]],
        properties: ['createDirectory', 'showOverwriteConfirmation'],
      });
      return r.canceled || !r.filePath ? null : r.filePath;
    },
    chooseImportPaths: async () => {
      const r = await open({
        title: 'Folders of pictures to import',
        buttonLabel: 'Import',
        properties: ['openDirectory', 'multiSelections'],
      });
      return r.canceled ? null : r.filePaths;
    },
  };
}

async function startApp(): Promise<void> {
  // The app needs no browser permission (camera, notifications, ...): refuse every request and check.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  const dataDir = app.getPath('userData');
  mkdirSync(dataDir, { recursive: true });
  // better-sqlite3 built for Electron's ABI (npm start prepares it); the Node build serves tests and the CLI.
  const electronBinding = join(app.getAppPath(), '.electron-native', 'better_sqlite3.node');
  const db = openDatabase(process.env['WGAN_DB'] ?? join(dataDir, 'workbench.db'), {
    ...(existsSync(electronBinding) ? { nativeBinding: electronBinding } : {}),
  });
  const wb = new Workbench({
    store: new RunStore(db),
    manager: new TrainingManager({ launcher: utilityLauncher(join(here, 'trainer.js')) }),
    resourcesDir: join(app.getAppPath(), 'resources'),
  });
  const info = (): ServerInfo => ({
    name: app.getName(),
    version: app.getVersion(),
    platform: process.platform,
    transport: 'ipc',
    backend: {
      choice: 'auto',
      note: 'each training process picks tfjs-node-gpu, tfjs-node, wasm or cpu, first that works; a run shows which it got',
    },
  });
  const handlers = createHandlers(
    wb,
    info,
    desktopHooks(() => BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0]),
  );
  // Every answer is an envelope (ok + value, or ok: false + the contract error); the invoke never rejects.
  const call = envelopeCalls((method, params) => dispatch(handlers, method, params));
  ipcMain.handle(IPC_CALL_CHANNEL, (event, method: unknown, params: unknown): Promise<CallEnvelope> => {
    if (!trustedSender(event)) return Promise.resolve(errorEnvelope(new RequestError('untrusted sender')));
    return call(method, params);
  });
  const win = createWindow();
  const off = wb.subscribe((e) => {
    if (!win.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, e);
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  let closing = false;
  app.on('before-quit', (event) => {
    if (closing) return;
    closing = true;
    event.preventDefault();
    off();
    // Running runs pause at a checkpoint (resumable), then the database closes.
    void wb.close().finally(() => {
      db.close();
      app.quit();
    });
  });
}

void app.whenReady().then(() =>
  startApp().catch((err: unknown) => {
    dialog.showErrorBox('WGAN Workbench could not start', err instanceof Error ? err.message : String(err));
    app.quit();
  }),
);

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
