// The local control endpoint: startControl for a running client, connectControl for tools.
export { startControl, type ControlHandle, type ControlOptions, type ControlledApi } from './control-server.js';
export { connectControl, callControl } from './control-client.js';
export { readControlFile, controlFilePath, type ControlInfo } from './control-file.js';
export { defaultStateDir } from './state-dir.js';
