// A stand-in for the 'electron' module, enough to run the built main bundle under plain
// Node (no Electron binary exists on CI machines): app lifecycle, Tray, Menu, BrowserWindow,
// ipcMain, shell, nativeImage, session. It records what the app did, so tests can read the
// tray menu as a user would and click its items, and invoke IPC as a given sender.

import { EventEmitter } from 'node:events';
import Module from 'node:module';
import { pathToFileURL } from 'node:url';

export interface MenuItem {
  id?: string;
  label?: string;
  type?: string;
  enabled?: boolean;
  click?: () => void;
}

let nextId = 1;

export class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  readonly sent: { channel: string; args: unknown[] }[] = [];
  url = '';
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
  readonly scripts: string[] = [];
  setWindowOpenHandler(): void {}
  async executeJavaScript(code: string): Promise<unknown> {
    this.scripts.push(code);
    return null;
  }
  isDestroyed(): boolean {
    return false;
  }
  isLoading(): boolean {
    return false;
  }
}

export function createFakeElectron(opts: { userData: string; appPath: string }) {
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  const windows: FakeBrowserWindow[] = [];
  const trays: FakeTray[] = [];
  const opened: string[] = [];
  let quitResolve: () => void = () => {};
  const quitted = new Promise<void>((resolve) => (quitResolve = resolve));

  class FakeBrowserWindow extends EventEmitter {
    readonly webContents = new FakeWebContents();
    destroyed = false;
    visible = false;
    constructor(readonly options: Record<string, unknown>) {
      super();
      windows.push(this);
    }
    async loadFile(path: string): Promise<void> {
      this.webContents.url = pathToFileURL(path).href;
      setImmediate(() => this.webContents.emit('did-finish-load'));
    }
    async loadURL(url: string): Promise<void> {
      this.webContents.url = url;
      setImmediate(() => this.webContents.emit('did-finish-load'));
    }
    show(): void {
      this.visible = true;
    }
    focus(): void {}
    close(): void {
      this.destroyed = true;
      this.emit('closed');
    }
    isDestroyed(): boolean {
      return this.destroyed;
    }
    static getAllWindows() {
      return windows.filter((w) => !w.destroyed);
    }
  }

  class FakeTray {
    image: string;
    tooltip = '';
    menu: MenuItem[] = [];
    destroyed = false;
    constructor(image: { path: string }) {
      this.image = image.path;
      trays.push(this);
    }
    setImage(image: { path: string }): void {
      this.image = image.path;
    }
    setToolTip(text: string): void {
      this.tooltip = text;
    }
    setContextMenu(menu: { items: MenuItem[] }): void {
      this.menu = menu.items;
    }
    on(): void {}
    destroy(): void {
      this.destroyed = true;
    }
  }

  /** Every desktop notification shown, in order. */
  const notifications: { title: string; body: string }[] = [];
  class FakeNotification extends EventEmitter {
    static isSupported = () => true;
    constructor(private readonly options: { title: string; body: string }) {
      super();
    }
    show(): void {
      notifications.push({ title: this.options.title, body: this.options.body });
    }
  }

  const app = Object.assign(new EventEmitter(), {
    quitted: false,
    loginItem: { openAtLogin: false },
    requestSingleInstanceLock: () => true,
    whenReady: () => Promise.resolve(),
    isReady: () => true,
    getPath: (name: string) => (name === 'userData' ? opts.userData : opts.userData + '/' + name),
    getAppPath: () => opts.appPath,
    getVersion: () => '0.1.0',
    getName: () => 'hybrid-sync',
    isPackaged: false,
    setLoginItemSettings(settings: { openAtLogin: boolean }) {
      app.loginItem = settings;
    },
    quit() {
      let prevented = false;
      app.emit('before-quit', { preventDefault: () => (prevented = true) });
      if (prevented) return;
      app.quitted = true;
      app.emit('will-quit', { preventDefault() {} });
      quitResolve();
    },
    exit(code = 0) {
      app.quitted = true;
      app.emit('exit', code);
      quitResolve();
    },
  });

  const exposed = new Map<string, unknown>();
  const invoked: { channel: string; args: unknown[] }[] = [];
  const electron = {
    app,
    contextBridge: {
      exposeInMainWorld(name: string, api: unknown) {
        exposed.set(name, api);
      },
    },
    ipcRenderer: Object.assign(new EventEmitter(), {
      async invoke(channel: string, ...args: unknown[]) {
        invoked.push({ channel, args });
        return { ok: true, value: null };
      },
    }),
    BrowserWindow: FakeBrowserWindow,
    Tray: FakeTray,
    Notification: FakeNotification,
    Menu: {
      buildFromTemplate: (items: MenuItem[]) => ({ items }),
      setApplicationMenu: () => {},
    },
    nativeImage: { createFromPath: (path: string) => ({ path, isEmpty: () => false }) },
    shell: {
      openPath: async (path: string) => {
        opened.push(path);
        return '';
      },
      openExternal: async (url: string) => {
        opened.push(url);
      },
    },
    ipcMain: Object.assign(new EventEmitter(), {
      handle(channel: string, fn: (event: unknown, ...args: unknown[]) => unknown) {
        if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
        handlers.set(channel, fn);
      },
      removeHandler(channel: string) {
        handlers.delete(channel);
      },
    }),
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: () => {} },
        setPermissionRequestHandler: () => {},
      },
    },
  };

  return {
    electron,
    app,
    windows,
    trays,
    notifications,
    opened,
    handlers,
    quitted,
    /** What a preload exposed with contextBridge, and what it invoked over ipcRenderer. */
    exposed,
    invoked,
    /** Invokes an IPC handler as if `sender` (a window's webContents) had called it from `url`. */
    async invoke(sender: FakeWebContents | object, url: string, channel: string, ...args: unknown[]): Promise<unknown> {
      const fn = handlers.get(channel);
      if (!fn) throw new Error(`no IPC handler for ${channel}`);
      return fn({ sender, senderFrame: { url, parent: null } }, ...args);
    },
  };
}

export type FakeElectron = ReturnType<typeof createFakeElectron>;

/** Makes require('electron') return the fake, for this process, until the returned undo runs. */
export function installFakeElectron(fake: FakeElectron): () => void {
  const mod = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = mod._load;
  mod._load = function (request: string, ...rest: unknown[]) {
    if (request === 'electron') return fake.electron;
    return original.call(this, request, ...rest);
  };
  return () => {
    mod._load = original;
  };
}
