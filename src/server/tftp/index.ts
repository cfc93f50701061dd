/** The reference TFTP server: a pure transfer state machine, path confinement, the socket edge. */
export * from './session.js';
export * from './files.js';
export * from './server.js';
export * from './hard-links.js';
