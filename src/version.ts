/**
 * vaekit's version. A constant rather than a read of package.json, so that the page can bundle
 * it (no file system there); test/version.test.ts checks it equals package.json's version.
 */
export const VERSION: string = '0.1.0';
