// Values the build (build.mjs) writes into the bundles.
declare const CORE_WASM_URL: string;
declare const WASM_EXEC_URL: string;
declare const WORKER_URL: string;
declare const APP_VERSION: string;
declare const PRECACHE: string[];
declare const ICON_URL: string;
