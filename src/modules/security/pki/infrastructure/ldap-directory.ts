import { Inject, Injectable } from '@nestjs/common';
import { Client } from 'ldapts';
import { APP_CONFIG, AppConfig } from '../../../../../config/configuration';
import { Directory, DirectoryAccountState, DirectoryUnavailableError } from '../application/directory.port';

/** RFC 4515 filter value escaping. */
export function escapeFilterValue(v: string): string {
  return v.replace(/[\\*()\0]/g, (c) => '\\' + c.charCodeAt(0).toString(16).padStart(2, '0'));
}

/**
 * Active Directory: an account is disabled when userAccountControl has bit 0x2 (ACCOUNTDISABLE). The bit is tested in
 * code, not with the bitwise matching rule, which some LDAP servers refuse. With DIRECTORY_DISABLED_RULE=equals any
 * other "disabled" attribute works too (e.g. OpenLDAP with `pwdAccountLockedTime` or a custom flag).
 */
export function isDisabled(rule: 'uac-bit' | 'equals', expected: string, values: string[]): boolean {
  if (rule === 'uac-bit') {
    const n = Number.parseInt(values[0] ?? '0', 10);
    return Number.isFinite(n) && (n & 0x2) === 0x2;
  }
  return values.some((v) => v.toLowerCase() === expected.toLowerCase());
}

/** The Directory port over LDAP (ldapts): one bind per lookup batch, searches under DIRECTORY_BASE_DN. */
@Injectable()
export class LdapDirectory implements Directory {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get configured(): boolean {
    return !!(this.config.DIRECTORY_LDAP_URL && this.config.DIRECTORY_BASE_DN);
  }

  async lookup(accounts: string[]): Promise<Map<string, DirectoryAccountState>> {
    const result = new Map<string, DirectoryAccountState>();
    if (!accounts.length) return result;
    if (!this.configured) throw new DirectoryUnavailableError('no directory is configured (DIRECTORY_LDAP_URL, DIRECTORY_BASE_DN)');
    const c = this.config;
    const client = new Client({ url: c.DIRECTORY_LDAP_URL!, timeout: c.DIRECTORY_TIMEOUT_MS, connectTimeout: c.DIRECTORY_TIMEOUT_MS });
    const accountAttr = c.DIRECTORY_ACCOUNT_ATTRIBUTE;
    const disabledAttr = c.DIRECTORY_DISABLED_ATTRIBUTE;
    try {
      if (c.DIRECTORY_BIND_DN) await client.bind(c.DIRECTORY_BIND_DN, c.DIRECTORY_BIND_PASSWORD ?? '');
      for (let i = 0; i < accounts.length; i += 100) {
        const chunk = accounts.slice(i, i + 100);
        const filter = `(|${chunk.map((a) => `(${accountAttr}=${escapeFilterValue(a)})`).join('')})`;
        const { searchEntries } = await client.search(c.DIRECTORY_BASE_DN!, { scope: 'sub', filter, attributes: [accountAttr, disabledAttr], sizeLimit: 1000 });
        const found = new Map<string, string[]>();
        for (const entry of searchEntries) {
          const name = attribute(entry, accountAttr)[0];
          if (name) found.set(name.toLowerCase(), attribute(entry, disabledAttr));
        }
        for (const a of chunk) {
          const values = found.get(a.toLowerCase());
          result.set(a, values ? { exists: true, disabled: isDisabled(c.DIRECTORY_DISABLED_RULE, c.DIRECTORY_DISABLED_VALUE, values) } : { exists: false, disabled: true });
        }
      }
      return result;
    } catch (e) {
      throw new DirectoryUnavailableError(`directory lookup failed: ${(e as Error).message}`);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }
}

function attribute(entry: Record<string, unknown>, name: string): string[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase());
  const v = key ? entry[key] : undefined;
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));
}
