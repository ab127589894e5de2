/**
 * The training loop of the adversarial learners (GAIL's and DAC's trainers): one round per collected
 * rollout, until the env-step budget is reached, the caller asks to stop, or the source completes. A
 * round that throws ends the loop with that error, and the subscription (the envs) is released first.
 */
import { type Observable, Subscription } from 'rxjs';

/** Why the loop ended. */
export type RoundsEnd = 'budget' | 'interrupted' | 'source-complete';

export interface DriveRoundsOptions {
  /** True once the env-step budget is spent; checked before the first round and after each one. */
  readonly budgetReached: () => boolean;
  /** Checked after each round: true ends the loop as 'interrupted' (Ctrl-C, SIGTERM). */
  readonly shouldStop?: () => boolean;
}

/** Runs `round` on each value of `rollouts` (subscribed only if the budget is not spent yet). */
export function driveRounds<R>(
  rollouts: Observable<R>,
  round: (rollout: R) => void,
  options: DriveRoundsOptions,
): Promise<RoundsEnd> {
  if (options.budgetReached()) return Promise.resolve('budget');
  return new Promise<RoundsEnd>((resolve, reject) => {
    // Closed when the loop ends; a source that ends inside subscribe() is released as it is added.
    const subscription = new Subscription();
    const finish = (how: RoundsEnd): void => {
      subscription.unsubscribe();
      resolve(how);
    };
    subscription.add(
      rollouts.subscribe({
        next(rollout) {
          if (subscription.closed) return;
          try {
            round(rollout);
          } catch (err) {
            subscription.unsubscribe();
            reject(err);
            return;
          }
          if (options.budgetReached()) finish('budget');
          else if (options.shouldStop?.()) finish('interrupted');
        },
        error: (err) => reject(err),
        complete: () => finish('source-complete'),
      }),
    );
  });
}
