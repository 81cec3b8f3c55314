/**
 * Runtimes the bench started are stopped (and their temporary storage removed) even when the run is
 * interrupted: Ctrl-C or SIGTERM stops them before the process exits.
 */
const stops = new Set<() => Promise<void>>();

/** Registers `stop` until the returned function is called (when the target stopped normally). */
export function stopOnExit(stop: () => Promise<void>): () => void {
  stops.add(stop);
  return () => stops.delete(stop);
}

export function installSignalHandlers(): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping the runtimes the bench started\n`);
      const exit = () => process.exit(130);
      Promise.allSettled([...stops].map((stop) => stop())).then(exit, exit);
    });
  }
}
