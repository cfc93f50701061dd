/** The reference PXE server's parts. */
export * from './tftp/index.js';
