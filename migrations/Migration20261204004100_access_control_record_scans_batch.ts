import { Migration } from '@mikro-orm/migrations';

/**
 * Access Control: group commit for online scans. `record_scans` runs `record_scan` for a batch of scans (a JSON
 * array, in the order given) in ONE statement and transaction: one round trip and one commit for all concurrent scans
 * of an event instead of one each. Each element is judged exactly as if it ran alone after the ones before it (same
 * function, sequentially). The caller orders a batch by ticket id so that concurrent batches lock presence rows in
 * the same order. An 'AC409' (a concurrent duplicate of a device scan id) rolls the whole batch back; the caller
 * retries it (the duplicate is then answered as a replay).
 */
export class Migration20261204004100_access_control_record_scans_batch extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create function access_control.record_scans(p_scans jsonb)
      returns table (idx int, verdict text, server_verdict text, scan_seq bigint, replay boolean, other_gate uuid, other_at timestamptz, conflict text)
      language plpgsql as $$
      declare s jsonb; i int := 0;
      begin
        for s in select value from jsonb_array_elements(p_scans) loop
          return query select i, r.verdict, r.server_verdict, r.scan_seq, r.replay, r.other_gate, r.other_at, r.conflict
            from access_control.record_scan((s->>'device')::uuid, decode(s->>'tokenHash', 'hex'), s->>'scanId', (s->>'event')::uuid,
                                            (s->>'gate')::uuid, s->>'direction', s->>'mode', (s->>'ticket')::uuid, (s->>'issue')::int,
                                            s->>'pre', s->>'local', (s->>'deviceTime')::timestamptz, nullif(s->'detail', 'null'::jsonb)) r;
          i := i + 1;
        end loop;
      end $$;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop function if exists access_control.record_scans(jsonb);`);
  }
}
