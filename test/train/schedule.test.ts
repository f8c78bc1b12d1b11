/** Learning-rate schedules at known values. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planSchedule, schedule, ScheduleSchema } from '../../src/train/schedule.js';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} != ${b}`);

test('wsd: linear warmup, constant, 1 - sqrt cooldown to 0.1 max by default', () => {
  const config = ScheduleSchema.parse({ lr: 1e-3, warmup_steps: 10, cooldown_steps: 100 });
  assert.equal(config.kind, 'wsd');
  const lr = schedule(config, 1000);
  close(lr(0), 1e-4, 'first warmup step');
  close(lr(4), 5e-4, 'warmup middle');
  close(lr(9), 1e-3, 'warmup end');
  close(lr(10), 1e-3, 'constant');
  close(lr(899), 1e-3, 'last constant step');
  close(lr(900), 1e-4 + 9e-4 * (1 - Math.sqrt(1 / 100)), 'first cooldown step');
  close(lr(924), 1e-4 + 9e-4 * (1 - Math.sqrt(25 / 100)), 'a quarter into the cooldown: sqrt(1/4) = 1/2');
  close(lr(924), 5.5e-4, 'min + (max - min) / 2');
  close(lr(999), 1e-4, 'last step at min');
  close(lr(5000), 1e-4, 'past the end: min');
});

test('wsd cooldown defaults to 20% of the run; min_lr_ratio is honoured', () => {
  const lr = schedule(ScheduleSchema.parse({ lr: 2, min_lr_ratio: 0 }), 100);
  close(lr(79), 2, 'constant until 80');
  close(lr(80), 2 * (1 - Math.sqrt(1 / 20)), 'cooldown starts');
  close(lr(99), 0, 'to zero');
  assert.equal(planSchedule(ScheduleSchema.parse({ lr: 1 }), 10).decayStart, 8);
});

test('cosine: warmup, then half a cosine from max to min', () => {
  const lr = schedule(ScheduleSchema.parse({ kind: 'cosine', lr: 1, warmup_steps: 2 }), 12);
  close(lr(0), 0.5, 'warmup');
  close(lr(1), 1, 'warmup end');
  close(lr(6), 0.1 + 0.9 * 0.5, 'halfway: (max + min) / 2');
  close(lr(11), 0.1, 'end at min');
});

test('constant: warmup then max forever', () => {
  const lr = schedule(ScheduleSchema.parse({ kind: 'constant', lr: 3, warmup_steps: 3 }), 10);
  assert.deepEqual([0, 1, 2, 3, 9, 50].map(lr), [1, 2, 3, 3, 3, 3]);
});

test('schedules that do not fit the run are refused with the numbers', () => {
  assert.throws(() => schedule(ScheduleSchema.parse({ lr: 1, warmup_steps: 50, cooldown_steps: 60 }), 100), /50 warmup \+ 60 cooldown steps exceed the run's 100 steps/);
  assert.throws(() => schedule(ScheduleSchema.parse({ kind: 'cosine', lr: 1, warmup_steps: 11 }), 10), /warmup_steps/);
  assert.equal(ScheduleSchema.safeParse({ lr: -1 }).success, false);
  assert.equal(ScheduleSchema.safeParse({ lr: 1, kind: 'linear' }).success, false);
});
