import { CRASH_POINTS, crashPlanOf, crashPoint } from './crash-points';

describe('crash points', () => {
  it('are armed only in test builds (NODE_ENV=test)', () => {
    expect(crashPlanOf({ NODE_ENV: 'test', PAYGATE_CRASH_AT: 'after_risk' })).toEqual({ point: 'after_risk', hit: 1 });
    expect(crashPlanOf({ NODE_ENV: 'production', PAYGATE_CRASH_AT: 'after_risk' })).toBeUndefined();
    expect(crashPlanOf({ NODE_ENV: 'development', PAYGATE_CRASH_AT: 'after_risk' })).toBeUndefined();
    expect(crashPlanOf({ PAYGATE_CRASH_AT: 'after_risk' })).toBeUndefined();
    expect(crashPlanOf({ NODE_ENV: 'test' })).toBeUndefined();
    expect(crashPlanOf({ NODE_ENV: 'test', PAYGATE_CRASH_AT: ' ' })).toBeUndefined();
  });

  it('take an optional hit number: name:N crashes at the Nth time the point is reached', () => {
    expect(crashPlanOf({ NODE_ENV: 'test', PAYGATE_CRASH_AT: 'after_wallet_commit:3' })).toEqual({ point: 'after_wallet_commit', hit: 3 });
  });

  it('refuse an unknown name or a bad hit number in a test build, so a typo does not test nothing', () => {
    for (const bad of ['after_lunch', 'after_risk:0', 'after_risk:x', 'after_risk:', 'AFTER_RISK']) {
      expect(() => crashPlanOf({ NODE_ENV: 'test', PAYGATE_CRASH_AT: bad })).toThrow(/PAYGATE_CRASH_AT/);
    }
    expect(CRASH_POINTS).toContain('after_payment_stored');
  });

  it('do nothing when not armed (this process has no PAYGATE_CRASH_AT)', () => {
    const kill = jest.spyOn(process, 'kill').mockImplementation(() => true);
    try {
      for (const p of CRASH_POINTS) crashPoint(p);
      expect(kill).not.toHaveBeenCalled();
    } finally {
      kill.mockRestore();
    }
  });
});
