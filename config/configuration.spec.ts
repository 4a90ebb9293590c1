import { ConfigError, loadConfig } from './configuration';

describe('loadConfig', () => {
  it('loadConfig_withNoSettings_usesDevelopmentDefaults', () => {
    const c = loadConfig({});
    expect(c.NODE_ENV).toBe('development');
    expect(c.HTTP_PORT).toBe(8443);
    expect(c.LOGIN_MAX_FAILURES).toBe(5);
  });

  it('loadConfig_withWrongSetting_namesIt', () => {
    expect(() => loadConfig({ HTTP_PORT: 'eighty' })).toThrow(/HTTP_PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: must be a postgres/);
  });

  it('loadConfig_inProductionWithoutCertificate_refuses', () => {
    try {
      loadConfig({ NODE_ENV: 'production' });
      fail('expected ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems.join()).toMatch(/TLS_CERT_FILE/);
    }
  });

  it('loadConfig_withWeakArgon2_refuses', () => {
    expect(() => loadConfig({ ARGON2_MEMORY_KIB: '1024' })).toThrow(/ARGON2_MEMORY_KIB/);
  });

  it('trustedProxiesAndPublicRateLimit_parseAndNameBadValues', () => {
    const c = loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.10,fd00::/8' });
    expect(c.TRUSTED_PROXIES).toEqual(['10.0.0.0/8', '192.168.1.10', 'fd00::/8']);
    expect(loadConfig({}).TRUSTED_PROXIES).toEqual(['127.0.0.1', '::1']);
    expect(loadConfig({}).RATE_LIMIT_PUBLIC_WRITES_PER_MIN).toBe(60);
    expect(() => loadConfig({ TRUSTED_PROXIES: 'loadbalancer.local' })).toThrow(/TRUSTED_PROXIES/);
    expect(() => loadConfig({ RATE_LIMIT_PUBLIC_WRITES_PER_MIN: '-1' })).toThrow(/RATE_LIMIT_PUBLIC_WRITES_PER_MIN/);
  });
});
