/**
 * The part of `node:async_hooks` workerd provides with the `nodejs_als` compatibility flag (wrangler.toml); the
 * Workers types do not declare Node modules.
 */
declare module "node:async_hooks" {
  export class AsyncLocalStorage<T> {
    run<R>(store: T, callback: () => R): R;
    getStore(): T | undefined;
  }
}
