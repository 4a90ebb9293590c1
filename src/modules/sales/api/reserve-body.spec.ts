import type { PipeTransform, Type } from '@nestjs/common';
import { createValidationPipe } from '../../../infrastructure/http/validation';
import { ReserveBestAvailableBody, ReserveQuantityBody, ReserveSeatsBody } from './reserve-body';
import { ReserveBestAvailableRequest, ReserveQuantityRequest, ReserveSeatsRequest } from './sales.dto';
import { validationOutcome as outcome } from '../../../../test/support/validation-outcome';

/** The hand-written hold body pipes must accept and refuse exactly what the global ValidationPipe does for the DTOs. */
describe('hand-written hold bodies vs the ValidationPipe on the DTOs', () => {
  const reference = createValidationPipe();
  const U = '3f1c6a52-4a4e-4d2b-9a55-0f7c1d2e3b4a';
  const common: unknown[] = [{}, [], null, 'x', { extra: 1 }];
  const suites: [string, PipeTransform, Type<unknown>, unknown[]][] = [
    [
      'seats',
      new ReserveSeatsBody(),
      ReserveSeatsRequest,
      [{ seatIds: [U] }, { seatIds: [U, U] }, { seatIds: [] }, { seatIds: 'x' }, { seatIds: ['nope'] }, { seatIds: Array(1001).fill(U) }, { seatIds: [U], extra: 1 }],
    ],
    [
      'best-available',
      new ReserveBestAvailableBody(),
      ReserveBestAvailableRequest,
      [
        { categoryId: U, quantity: 2 },
        { categoryId: U, quantity: 2, allowSplit: true },
        { categoryId: U, quantity: 2, allowSplit: 'yes' },
        { categoryId: U, quantity: 2.5 },
        { categoryId: U, quantity: '2' },
        { categoryId: U, quantity: 2_000_000 },
        { categoryId: 'cat', quantity: -2_000_000 },
      ],
    ],
    ['quantity', new ReserveQuantityBody(), ReserveQuantityRequest, [{ areaId: U, quantity: 3 }, { areaId: U }, { areaId: 7, quantity: 0 }, { areaId: U, quantity: 1, seatIds: [] }]],
  ];

  const cases = suites.flatMap(([name, pipe, dto, bodies]) => [...bodies, ...common].map((b) => [name, JSON.stringify(b)?.slice(0, 50), pipe, dto, b] as const));
  it.each(cases)('%s: sameVerdict %s', async (_n, _label, pipe, dto, body) => {
    const expected = await outcome(() => reference.transform(body, { type: 'body', metatype: dto, data: '' }));
    expect(await outcome(() => pipe.transform(body, { type: 'body', data: '' }))).toEqual(expected);
  });
});
