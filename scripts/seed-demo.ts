import 'dotenv/config';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/configuration';
import { ApiClient } from './demo/client';
import { salesDemo } from './demo/sales-demo';

/**
 * `npm run seed`: demo data through the public HTTPS API of a running ProTicket (so the seed exercises the same
 * code paths as real clients). Idempotent: run it again and it reuses what exists.
 * Each module adds its demo step to `DEMO_STEPS` below.
 */
export const DEMO_PASSWORD = 'demo-password-2026';

export interface DemoContext {
  api: ApiClient;
  adminToken: string;
  organizer: { id: string; adminEmail: string };
  presaleOffice: { id: string; clerkEmail: string };
  log: (line: string) => void;
}

type DemoStep = (ctx: DemoContext) => Promise<void>;
const DEMO_STEPS: DemoStep[] = [
  async (ctx) => salesDemo(ctx, await ctx.api.login(ctx.organizer.adminEmail, DEMO_PASSWORD)),
];

async function ensureOrganization(api: ApiClient, kind: 'organizer' | 'presale-office', name: string): Promise<string> {
  const list = await api.expect<{ id: string; name: string; kind: string }[]>([200], 'GET', '/organizations');
  const found = list.body.find((o) => o.name === name && o.kind === kind);
  if (found) return found.id;
  return (await api.expect<{ id: string }>([201], 'POST', '/organizations', { kind, name })).body.id;
}

async function ensureUser(api: ApiClient, organizationId: string, email: string, displayName: string, roles: string[]): Promise<void> {
  const r = await api.call('POST', '/users', { organizationId, email, displayName, password: DEMO_PASSWORD, roles });
  if (r.status !== 201 && !(r.status === 409 && (r.body as { code?: string }).code === 'SECURITY.EMAIL_TAKEN')) {
    throw new Error(`creating ${email} failed: ${r.status} ${JSON.stringify(r.body)}`);
  }
}

export async function seedDemo(baseUrl: string, caFile: string, admin: { email: string; password: string }, log = console.log): Promise<DemoContext> {
  // On a first start the server creates its development CA (RSA-4096 keys take a while): wait for the file to trust.
  for (let i = 0; i < 240 && !fs.existsSync(caFile) && !process.env.TLS_CERT_FILE; i++) await new Promise((r) => setTimeout(r, 500));
  const api = new ApiClient(baseUrl, caFile);
  await api.waitUntilReady(120_000);
  const adminToken = await api.login(admin.email, admin.password);
  api.token = adminToken;

  const organizerId = await ensureOrganization(api, 'organizer', 'Stadthalle Konzerte GmbH');
  const officeId = await ensureOrganization(api, 'presale-office', 'Vorverkaufsstelle Marktplatz');
  const users: [string, string, string, string[]][] = [
    [organizerId, 'organizer@demo.proticket.local', 'Olga Organizer', ['organizer-admin']],
    [organizerId, 'boxoffice@demo.proticket.local', 'Bernd Box Office', ['box-office-clerk']],
    [organizerId, 'entry@demo.proticket.local', 'Erika Entry', ['entry-staff']],
    [officeId, 'clerk@demo.proticket.local', 'Paul Presale', ['presale-clerk']],
  ];
  for (const [org, email, name, roles] of users) await ensureUser(api, org, email, name, roles);

  const ctx: DemoContext = {
    api,
    adminToken,
    organizer: { id: organizerId, adminEmail: 'organizer@demo.proticket.local' },
    presaleOffice: { id: officeId, clerkEmail: 'clerk@demo.proticket.local' },
    log,
  };
  for (const step of DEMO_STEPS) await step(ctx);

  log('');
  log(`ProTicket demo is ready at ${baseUrl}  (API docs: ${baseUrl}/docs)`);
  log(`Trust the development CA for browsers/curl: ${caFile}`);
  log(`Logins (POST /auth/login):`);
  log(`  platform admin   ${admin.email} / ${admin.password}`);
  for (const [, email, name, roles] of users) log(`  ${roles.join(',').padEnd(16)} ${email} / ${DEMO_PASSWORD}   (${name})`);
  return ctx;
}

if (require.main === module) {
  const config = loadConfig();
  if (!config.BOOTSTRAP_ADMIN_EMAIL || !config.BOOTSTRAP_ADMIN_PASSWORD) {
    console.error('npm run seed needs BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD (the platform admin to log in as)');
    process.exit(1);
  }
  const base = config.PUBLIC_BASE_URL ?? `https://localhost:${config.HTTP_PORT}`;
  seedDemo(base, path.join(config.TLS_DEV_DIR, 'dev-ca.crt'), { email: config.BOOTSTRAP_ADMIN_EMAIL, password: config.BOOTSTRAP_ADMIN_PASSWORD })
    .then((ctx) => ctx.api.close())
    .catch((e: Error) => {
      console.error(`seeding failed: ${e.message}`);
      process.exit(1);
    });
}
