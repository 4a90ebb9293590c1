import { spawnSync } from 'node:child_process';
import path from 'node:path';

// Generous for a loaded machine (app boot, migrations, child processes through ts-node); a passing run is far faster.
jest.setTimeout(180_000);

/**
 * The architecture rules of `npm run lint` (.dependency-cruiser.js): the real configuration must catch every kind of
 * violation in the deliberately bad fixture, let its allowed imports pass, and find nothing in the real source.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const CONFIG = path.join(ROOT, '.dependency-cruiser.js');
const FIXTURE = path.join(__dirname, 'fixtures', 'violations');
const DEPCRUISE = path.join(ROOT, 'node_modules', '.bin', 'depcruise');

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
  cycle?: { name: string }[];
}

/** Runs depcruise with the lint's configuration; `errors` is what makes `npm run lint` exit non-zero. */
function cruise(cwd: string, targets: string[]): { errors: number; violations: Violation[] } {
  const r = spawnSync(DEPCRUISE, ['--config', CONFIG, '--output-type', 'json', ...targets], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  let parsed: { summary: { error: number; violations: Violation[] } };
  try {
    parsed = JSON.parse(r.stdout);
  } catch {
    throw new Error(`depcruise printed no JSON (exit ${r.status}): ${r.stderr || r.stdout}`);
  }
  return { errors: parsed.summary.error, violations: parsed.summary.violations };
}

const pairs = (vs: Violation[], rule: string) =>
  vs.filter((v) => v.rule.name === rule).map((v) => `${v.from} -> ${v.to.replace(/^(\.\.\/)+node_modules\/((@[^/]+\/)?[^/]+)\/.*$/, '$2')}`);

describe('dependency rules (.dependency-cruiser.js)', () => {
  let fixture: { errors: number; violations: Violation[] };
  beforeAll(() => {
    fixture = cruise(FIXTURE, ['src']);
  });

  it('lint_onViolatingFixture_failsWithErrors', () => {
    expect(fixture.errors).toBeGreaterThan(0);
    expect(fixture.violations.length).toBe(fixture.errors);
    expect(fixture.violations.every((v) => v.rule.severity === 'error')).toBe(true);
  });

  it('moduleOnlyViaContracts_whenModuleImportsAnotherModulesInternals_fires', () => {
    expect(pairs(fixture.violations, 'module-only-via-contracts').sort()).toEqual([
      'src/modules/alpha/application/uses-beta-internals.ts -> src/modules/beta/domain/beta-rule.ts',
      'src/modules/alpha/application/uses-beta-type-internals.ts -> src/modules/beta/infrastructure/beta.repository.ts',
    ]);
  });

  it('sharedKernel_whenImportingAModuleOrInfrastructure_fires', () => {
    expect(pairs(fixture.violations, 'shared-kernel-imports-no-module').sort()).toEqual([
      'src/shared-kernel/uses-module.ts -> src/infrastructure/database/sql.ts',
      'src/shared-kernel/uses-module.ts -> src/modules/beta/contracts/index.ts',
    ]);
  });

  it('domain_whenImportingAFramework_fires', () => {
    expect(pairs(fixture.violations, 'domain-imports-no-framework').sort()).toEqual(
      ['@mikro-orm/core', '@nestjs/common', 'bullmq', 'fastify', 'ioredis', 'pg'].map((p) => `src/modules/alpha/domain/uses-framework.ts -> ${p}`),
    );
  });

  it('domain_whenImportingInfrastructure_fires', () => {
    expect(pairs(fixture.violations, 'domain-imports-no-infrastructure').sort()).toEqual([
      'src/modules/beta/domain/uses-infrastructure.ts -> src/infrastructure/database/sql.ts',
      'src/modules/beta/domain/uses-infrastructure.ts -> src/modules/beta/infrastructure/beta.repository.ts',
    ]);
  });

  it('noCircular_whenTwoFilesImportEachOther_fires', () => {
    const cycles = fixture.violations.filter((v) => v.rule.name === 'no-circular');
    expect(cycles.length).toBeGreaterThan(0);
    for (const c of cycles) expect(c.from).toMatch(/src\/modules\/beta\/domain\/cycle-[ab]\.ts$/);
  });

  it('allowedImports_inFixture_areNotFlagged', () => {
    const allowed = ['uses-beta-contracts.ts', 'alpha-value.ts', 'kernel-id.ts'];
    expect(fixture.violations.filter((v) => allowed.some((f) => v.from.endsWith(f)))).toEqual([]);
  });

  it('lint_onRealSource_findsNoViolation', () => {
    const real = cruise(ROOT, ['src', 'config']);
    expect(real.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
    expect(real.errors).toBe(0);
  });
});
