/** The reference server's configuration: file loading, flag merging, validation. */
export type {
  ServeConfig,
  ServeConfigInput,
  ServeMode,
  PoolConfig,
  BootConfig,
  ProxyConfig,
  StaticHostConfig,
} from './types.js';
export {
  parseServeConfig,
  ServeConfigError,
  DEFAULT_LEASE_TIME,
  DEFAULT_PROXY_MENU,
  DEFAULT_PROXY_PROMPT,
  type ConfigIssue,
} from './validate.js';
export {
  loadServeConfig,
  readServeConfigDocument,
  parseServeConfigText,
  mergeServeConfigInput,
} from './load.js';
