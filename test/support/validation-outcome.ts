import { DomainError } from '../../src/shared-kernel/domain-error';

/**
 * What a body validator did with an input, in a comparable form: the transformed value, or the problem code and the
 * sorted `field: message` list. Used to compare hand-written body pipes with the global ValidationPipe.
 */
export async function validationOutcome(run: () => unknown): Promise<{ ok: unknown } | { code: string; errors: string[] }> {
  try {
    return { ok: JSON.parse(JSON.stringify(await run())) };
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    const list = (e.details as { errors?: { field: string; message: string }[] })?.errors ?? [];
    return { code: e.code, errors: list.map((x) => `${x.field}: ${x.message}`).sort() };
  }
}
