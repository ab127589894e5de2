/**
 * A request to stop a run after the round in progress. The library only reads it; who makes the request
 * (the CLI on SIGINT or SIGTERM, a test, a bench) is not its business, so no process signal is handled
 * below src/cli (STYLE "Avoid").
 */
export class StopRequest {
  #reason: string | undefined;

  /** Why the run was asked to stop ("SIGINT", "SIGTERM", …); undefined while it may go on. */
  get reason(): string | undefined {
    return this.#reason;
  }

  /** True once a stop was requested. */
  get requested(): boolean {
    return this.#reason !== undefined;
  }

  /** Asks the run to stop after the round in progress; the first reason given is kept. */
  request(reason: string): void {
    this.#reason ??= reason;
  }
}
