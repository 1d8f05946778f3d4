import fc from 'fast-check';
import { Network, type Replica } from './simulated-network';

/** One step of a random scenario: a peer's gesture (numbers it picks from), or the network delivering updates. */
export type Step =
  | { t: 'edit'; peer: number; action: number; a: number; b: number; c: number; flag: boolean }
  | { t: 'deliver'; from: number; to: number; pick: number }
  | { t: 'flush'; from: number; to: number };
export type EditStep = Extract<Step, { t: 'edit' }>;
export interface Scenario {
  n: number;
  steps: Step[];
  rotation: number;
}

/** Random gestures by `n` peers interleaved with out-of-order deliveries. */
export function scenario(n: number, maxSteps = 50): fc.Arbitrary<Scenario> {
  const peer = fc.nat(n - 1);
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ t: fc.constant('edit' as const), peer, action: fc.nat(999), a: fc.nat(1e6), b: fc.nat(1e6), c: fc.nat(1e6), flag: fc.boolean() }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('deliver' as const), from: peer, to: peer, pick: fc.nat(1e6) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('flush' as const), from: peer, to: peer }) }
  );
  return fc.record({ n: fc.constant(n), steps: fc.array(step, { minLength: 10, maxLength: maxSteps, size: 'max' }), rotation: fc.nat(99) });
}

/** Plays a scenario on `all`: `edit` makes a gesture, `sound` checks a replica after each step; then everything is delivered. */
export function play<P extends Replica>(all: P[], { steps, rotation }: Scenario, edit: (p: P, step: EditStep) => void, sound: (p: P) => void): void {
  const net = new Network(all);
  for (const step of steps) {
    if (step.t === 'edit') {
      edit(all[step.peer], step);
      sound(all[step.peer]);
    } else if (step.t === 'deliver') {
      net.deliver(step.from, step.to, step.pick);
      sound(all[step.to]);
    } else net.flush(step.from, step.to);
  }
  net.settle(rotation);
}
