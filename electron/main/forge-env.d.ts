// Constants Vite defines at build time (Forge's plugin-vite, or vite.main.config.ts alone).
declare const MAIN_WINDOW_VITE_DEV_SERVER_URL: string | undefined;
declare const MAIN_WINDOW_VITE_NAME: string;
