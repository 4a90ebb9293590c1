import type { EntityManager } from '@mikro-orm/postgresql';
import { MikroORM } from '@mikro-orm/core';
import fc from 'fast-check';
import { inLedgerTx } from '../../../src/modules/escrow/application/ledger-tx';
import { randomUUID } from 'node:crypto';
import { runSql } from '../../../src/infrastructure/database/sql';
import { EscrowQueries } from '../../../src/modules/escrow/application/escrow-queries.service';
import { OrderEventsService } from '../../../src/modules/escrow/application/order-events.service';
import { PaymentIntake } from '../../../src/modules/escrow/application/payment-intake.service';
import { PayoutService } from '../../../src/modules/escrow/application/payout.service';
import { ReviewService } from '../../../src/modules/escrow/application/review.service';
import { Accounts, accountId, entry } from '../../../src/modules/escrow/domain/ledger';
import { LedgerWriter } from '../../../src/modules/escrow/infrastructure/ledger-writer';
import { DomainError } from '../../../src/shared-kernel/domain-error';
import { TestApp } from '../../support/app-harness';
import { SalesSimulator } from './escrow-test-kit';

describe('escrow ledger invariants (real PostgreSQL)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  const tx = <T>(fn: (em: EntityManager) => Promise<T>) => inLedgerTx(t.app.get(MikroORM), fn);
  const ids = async (n: number) => {
    const codes = ['escrow-bank:EUR', 'unallocated:EUR', 'customer-clearing:EUR'];
    // make sure the accounts exist (a balanced entry through the writer creates them)
    await tx((em) => t.app.get(LedgerWriter).post(em, [entry({ kind: 'test-seed', currency: 'EUR', description: 'seed' }, [[Accounts.escrowBank('EUR'), 1n], [Accounts.unallocated('EUR'), -1n]])]));
    return codes.slice(0, n).map(accountId);
  };

  it('unbalancedEntry_insertedWithPlainSql_isRefusedByTheDatabaseAtCommit', async () => {
    const [bank, unallocated] = await ids(2);
    const id = randomUUID();
    await expect(
      tx(async (em) => {
        await runSql(em, `insert into escrow.journal_entry (id, kind, status, currency, description) values (?, 'hack', 'posted', 'EUR', 'unbalanced')`, [id]);
        await runSql(em, `insert into escrow.posting (entry_id, account_id, amount_minor, currency) values (?, ?, 1000, 'EUR'), (?, ?, -999, 'EUR')`, [id, bank, id, unallocated]);
      }),
    ).rejects.toThrow(/ESCROW\.UNBALANCED_ENTRY/);
    const rows = await runSql(t.em(), `select 1 from escrow.journal_entry where id = ?`, [id]);
    expect(rows).toHaveLength(0);
  });

  it('entryWithASinglePosting_isRefused', async () => {
    const [bank] = await ids(1);
    const id = randomUUID();
    await expect(
      tx(async (em) => {
        await runSql(em, `insert into escrow.journal_entry (id, kind, status, currency, description) values (?, 'hack', 'posted', 'EUR', 'one leg')`, [id]);
        await runSql(em, `insert into escrow.posting (entry_id, account_id, amount_minor, currency) values (?, ?, 0 + 5, 'EUR')`, [id, bank]);
      }),
    ).rejects.toThrow(/ESCROW\.UNBALANCED_ENTRY/);
  });

  it('updatingOrDeletingAPosting_isRefused_andBalancesCannotBeWritten', async () => {
    await ids(1);
    const [p] = await runSql<{ id: string }>(t.em(), `select id from escrow.posting limit 1`);
    await expect(runSql(t.em(), `update escrow.posting set amount_minor = amount_minor + 1 where id = ?`, [p.id])).rejects.toThrow(/ESCROW\.LEDGER_IMMUTABLE/);
    await expect(runSql(t.em(), `delete from escrow.posting where id = ?`, [p.id])).rejects.toThrow(/ESCROW\.LEDGER_IMMUTABLE/);
    await expect(runSql(t.em(), `delete from escrow.journal_entry where kind = 'test-seed'`)).rejects.toThrow(/ESCROW\.LEDGER_IMMUTABLE/);
    await expect(runSql(t.em(), `update escrow.journal_entry set description = 'changed' where kind = 'test-seed'`)).rejects.toThrow(/ESCROW\.LEDGER_IMMUTABLE/);
    await expect(runSql(t.em(), `update escrow.journal_entry set status = 'voided' where kind = 'test-seed'`)).rejects.toThrow(/ESCROW\.LEDGER_IMMUTABLE/);
    await expect(runSql(t.em(), `update escrow.account_balance set posted_minor = 0`)).rejects.toThrow(/ESCROW\.LEDGER_IMMUTABLE/);
    await expect(runSql(t.em(), `truncate escrow.posting cascade`)).rejects.toThrow(/ESCROW\.LEDGER_IMMUTABLE/);
  });

  it('addingAPostingToACommittedEntry_isRefused', async () => {
    const [bank] = await ids(1);
    const [e] = await runSql<{ id: string }>(t.em(), `select id from escrow.journal_entry where kind = 'test-seed' limit 1`);
    await expect(
      tx((em) => runSql(em, `insert into escrow.posting (entry_id, account_id, amount_minor, currency) values (?, ?, 5, 'EUR'), (?, ?, -5, 'EUR')`, [e.id, bank, e.id, bank])),
    ).rejects.toThrow(/ESCROW\.LEDGER_IMMUTABLE/);
  });

  it('accountThatMustNotGoNegative_cannot_evenWithABalancedEntry', async () => {
    const [bank, unallocated] = await ids(2);
    const [b] = await runSql<{ posted: string }>(t.em(), `select posted_minor::text posted from escrow.account_balance where account_id = ?`, [bank]);
    const id = randomUUID();
    const tooMuch = BigInt(b.posted) + 1n;
    await expect(
      tx(async (em) => {
        await runSql(em, `insert into escrow.journal_entry (id, kind, status, currency, description) values (?, 'hack', 'posted', 'EUR', 'overdraw')`, [id]);
        await runSql(em, `insert into escrow.posting (entry_id, account_id, amount_minor, currency) values (?, ?, ?, 'EUR'), (?, ?, ?, 'EUR')`, [id, bank, (-tooMuch).toString(), id, unallocated, tooMuch.toString()]);
      }),
    ).rejects.toThrow(/account_balance_not_negative/);
  });

  it('reversal_isTheOnlyCorrection_andOnlyOnce', async () => {
    const writer = t.app.get(LedgerWriter);
    const original = entry({ kind: 'test-original', currency: 'EUR', description: 'to be reversed' }, [
      [Accounts.escrowBank('EUR'), 700n],
      [Accounts.unallocated('EUR'), -700n],
    ]);
    await tx((em) => writer.post(em, [original]));
    const [loaded] = await tx((em) => writer.load(em, [original.id]));
    const { reversal } = await import('../../../src/modules/escrow/domain/ledger');
    await tx((em) => writer.post(em, [reversal(loaded, 'test')]));
    await expect(tx((em) => writer.post(em, [reversal(loaded, 'again')]))).rejects.toMatchObject({ code: 'ESCROW.ALREADY_REVERSED' });
  });

  /**
   * Model-free property: whatever sequence of sales, payments (exact / partial / excess / unknown / late /
   * duplicate), expiries, cancellations, refunds, manual matches, counter sales and payouts happens, every entry
   * stays balanced, the posted trial balance is zero, balances equal the postings, and no account that must not go
   * negative does. Operations a rule refuses (DomainError) must leave nothing behind.
   */
  it('anySequenceOfOperations_keepsTheTrialBalanceAtZero_andNoForbiddenNegatives', async () => {
    const orders = t.app.get(OrderEventsService);
    const intake = t.app.get(PaymentIntake);
    const review = t.app.get(ReviewService);
    const payouts = t.app.get(PayoutService);
    const queries = t.app.get(EscrowQueries);
    const sim = new SalesSimulator(t);
    const organizerId = randomUUID();
    const officeId = randomUUID();
    await runSql(t.em(), `insert into escrow.payee_account (organization_id, holder_name, iban) values (?, 'Prop Org', 'DE89370400440532013000') on conflict do nothing`, [organizerId]);

    type Op =
      | { k: 'sell'; prices: number[]; past: boolean }
      | { k: 'counter'; prices: number[]; boxOffice: boolean }
      | { k: 'pay'; i: number; delta: number }
      | { k: 'unknown'; amount: number }
      | { k: 'expire'; i: number }
      | { k: 'cancel'; i: number }
      | { k: 'refund'; i: number; part: boolean }
      | { k: 'match'; r: number; i: number }
      | { k: 'refundItem'; r: number; part: boolean }
      | { k: 'payout' }
      | { k: 'cancelEvent' };
    const price = fc.integer({ min: 0, max: 20_000 });
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ k: fc.constant('sell' as const), prices: fc.array(price, { minLength: 1, maxLength: 4 }), past: fc.boolean() }) },
      { weight: 2, arbitrary: fc.record({ k: fc.constant('counter' as const), prices: fc.array(price, { minLength: 1, maxLength: 3 }), boxOffice: fc.boolean() }) },
      { weight: 5, arbitrary: fc.record({ k: fc.constant('pay' as const), i: fc.nat(), delta: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: -3000, max: 3000 })) }) },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('unknown' as const), amount: fc.integer({ min: 1, max: 50_000 }) }) },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('expire' as const), i: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('cancel' as const), i: fc.nat() }) },
      { weight: 2, arbitrary: fc.record({ k: fc.constant('refund' as const), i: fc.nat(), part: fc.boolean() }) },
      { weight: 2, arbitrary: fc.record({ k: fc.constant('match' as const), r: fc.nat(), i: fc.nat() }) },
      { weight: 2, arbitrary: fc.record({ k: fc.constant('refundItem' as const), r: fc.nat(), part: fc.boolean() }) },
      { weight: 1, arbitrary: fc.constant({ k: 'payout' as const }) },
      { weight: 1, arbitrary: fc.constant({ k: 'cancelEvent' as const }) },
    );

    const stats = new Map<string, number>();
    const ALLOWED_REFUSALS = new Set([
      'match:ESCROW.ORDER_NOT_PAYABLE',
      'match:ESCROW.MATCH_EXCEEDS_OPEN_AMOUNT',
      // the trust account holds only what arrived: counter money is still with the offices until they settle
      'payout:ESCROW.INSUFFICIENT_BALANCE',
      // a refund after the payout is covered by the guarantee fund; when that is too small it is refused, never overdrawn
      'refund:ESCROW.INSUFFICIENT_BALANCE',
      'cancel:ESCROW.INSUFFICIENT_BALANCE',
      'cancelEvent:ESCROW.INSUFFICIENT_BALANCE',
    ]);
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
        const pastEvent = randomUUID();
        const futureEvent = randomUUID();
        const made: ReturnType<SalesSimulator['order']>[] = [];
        for (const o of ops) {
          try {
            await tx(async (em) => {
              const pick = (i: number) => made[i % Math.max(1, made.length)];
              switch (o.k) {
                case 'sell': {
                  const ord = sim.order({ organizerId, eventId: o.past ? pastEvent : futureEvent, prices: o.prices, startsAt: new Date(Date.now() + (o.past ? -20 : 20) * 86400_000).toISOString() });
                  made.push(ord);
                  await orders.placed(em, { ...ord, customer: { name: 'P' }, paymentDeadline: null, paidAtCounter: false }, new Date().toISOString());
                  break;
                }
                case 'counter': {
                  const ord = o.boxOffice
                    ? sim.order({ organizerId, eventId: pastEvent, prices: o.prices, channel: 'box-office' })
                    : sim.order({ organizerId, eventId: pastEvent, prices: o.prices, channel: 'presale-office', officeId });
                  made.push(ord);
                  await orders.paid(em, { ...ord, paidAt: new Date().toISOString(), payment: { method: 'cash' }, customer: { name: 'C' } });
                  break;
                }
                case 'pay': {
                  const ord = pick(o.i);
                  if (!ord) return;
                  const [row] = await runSql<{ rf_reference: string | null; total_minor: string }>(em, `select rf_reference, total_minor::text from escrow.order_account where order_id = ?`, [ord.orderId]);
                  if (!row?.rf_reference) return;
                  const amount = BigInt(row.total_minor) + BigInt(o.delta);
                  if (amount <= 0n) return;
                  await intake.apply(em, [{ method: 'bank-transfer', amount, currency: 'EUR', remittance: `tickets ${row.rf_reference}`, payerName: 'X', payerIban: 'DE89370400440532013000', receivedAt: new Date() }]);
                  break;
                }
                case 'unknown':
                  await intake.apply(em, [{ method: 'bank-transfer', amount: BigInt(o.amount), currency: 'EUR', remittance: 'no idea', payerName: 'Y', payerIban: 'DE89370400440532013000', receivedAt: new Date() }]);
                  break;
                case 'expire':
                  if (pick(o.i)) await orders.expired(em, pick(o.i).orderId);
                  break;
                case 'cancel':
                  if (pick(o.i)) await orders.cancelled(em, pick(o.i).orderId, 'prop');
                  break;
                case 'refund': {
                  const ord = pick(o.i);
                  if (!ord) return;
                  const total = BigInt(ord.total.minor);
                  await orders.refunded(em, ord.orderId, o.part ? total / 2n : total, 'prop');
                  break;
                }
                case 'match': {
                  const items = await runSql<{ id: string }>(em, `select id from escrow.review_item where status = 'open' order by created_at`);
                  const ord = pick(o.i);
                  if (!items.length || !ord) return;
                  await review.manualMatch(em, items[o.r % items.length].id, ord.orderId, 'prop');
                  break;
                }
                case 'refundItem': {
                  const items = await runSql<{ id: string; open_minor: string }>(em, `select id, open_minor::text from escrow.review_item where status = 'open' order by created_at`);
                  if (!items.length) return;
                  const it = items[o.r % items.length];
                  const amount = o.part ? BigInt(it.open_minor) / 2n : BigInt(it.open_minor);
                  if (amount <= 0n) return;
                  await review.refund(em, it.id, { amountMinor: amount.toString() }, 'prop');
                  break;
                }
                case 'payout':
                  await payouts.run(em, { organizerId });
                  break;
                case 'cancelEvent':
                  await orders.eventCancelled(em, pastEvent, 'prop');
                  break;
              }
            });
            stats.set(o.k, (stats.get(o.k) ?? 0) + 1);
          } catch (e) {
            // Refused by a rule: fine, the transaction rolled back. Anything else (a booking the ledger refuses) fails.
            if (!(e instanceof DomainError) || !ALLOWED_REFUSALS.has(`${o.k}:${e.code}`)) throw e;
            stats.set(`${o.k}:${e.code}`, (stats.get(`${o.k}:${e.code}`) ?? 0) + 1);
          }
        }
        const tb = await queries.trialBalance();
        expect(tb).toMatchObject({ balanced: true, unbalancedEntries: 0, balanceDrift: 0, negativeAccounts: 0 });
      }),
      { numRuns: Number(process.env.ESCROW_PROP_RUNS ?? 25) },
    );
    const [{ n }] = await runSql<{ n: number }>(t.em(), `select count(*)::int n from escrow.journal_entry where kind in ('payment', 'allocation', 'refund-owed', 'payout', 'counter-sale', 'receipt-unallocated')`);
    expect(n).toBeGreaterThan(20); // the run really booked things
    expect(stats.get("pay")).toBeGreaterThan(5);
    if (process.env.ESCROW_PROP_STATS) console.log(Object.fromEntries(stats));
  });
});
