import { createValidationPipe } from '../../../infrastructure/http/validation';
import { ScanRequest } from './access-control.dto';
import { ScanBody } from './scan-body';
import { validationOutcome as outcome } from '../../../../test/support/validation-outcome';

/** The hand-written scan body pipe must accept and refuse exactly what the global ValidationPipe does for ScanRequest. */
describe('ScanBody (hand-written) vs the ValidationPipe on ScanRequest', () => {
  const reference = createValidationPipe();
  const fast = new ScanBody();
  const G = '3f1c6a52-4a4e-4d2b-9a55-0f7c1d2e3b4a';
  const ok = { barcode: 'PT:ABC', scanId: 'g1-000001' };
  const cases: unknown[] = [
    ok,
    { ...ok, gateId: G, direction: 'in', deviceTime: '2026-12-04T19:30:00.000Z' },
    { ...ok, direction: 'out', gateId: null, deviceTime: null },
    { ...ok, gateId: 'gate-1' },
    { ...ok, direction: 'sideways' },
    { ...ok, deviceTime: 'yesterday' },
    { ...ok, deviceTime: '2026-02-30T10:00:00Z' },
    { ...ok, deviceTime: 1733340600000 },
    { ...ok, barcode: 'x'.repeat(1025) },
    { ...ok, barcode: 42 },
    { barcode: 'PT:ABC' },
    { ...ok, scanId: '' },
    { ...ok, scanId: 'with space' },
    { ...ok, scanId: 'x'.repeat(101) },
    { ...ok, scanId: 7 },
    { ...ok, admit: true },
    {},
    [],
    'barcode',
    null,
  ];

  it.each(cases.map((c) => [JSON.stringify(c)?.slice(0, 60), c]))('sameVerdict %s', async (_label, body) => {
    const expected = await outcome(() => reference.transform(body, { type: 'body', metatype: ScanRequest, data: '' }));
    const actual = await outcome(() => fast.transform(body));
    expect(actual).toEqual(expected);
  });
});
