import type { SecureContextOptions, TlsOptions } from 'node:tls';

/**
 * BSI TR-02102-2 for the listener: TLS 1.2 minimum (1.3 preferred — OpenSSL negotiates the highest common version),
 * TLS 1.2 only ECDHE with AES-GCM (no CBC, no ChaCha20, no static RSA), TLS 1.3 only the AES-GCM/CCM suites.
 * Curves: P-384/P-256 (brainpool fails on TLS 1.3 with this OpenSSL).
 */
export const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
];
export const TLS13_SUITES = ['TLS_AES_256_GCM_SHA384', 'TLS_AES_128_GCM_SHA256', 'TLS_AES_128_CCM_SHA256'];

export const BSI_TLS_POLICY: Pick<TlsOptions & SecureContextOptions, 'minVersion' | 'maxVersion' | 'ciphers' | 'ecdhCurve' | 'honorCipherOrder'> = {
  minVersion: 'TLSv1.2',
  maxVersion: 'TLSv1.3',
  ciphers: [...TLS13_SUITES, ...TLS12_CIPHERS].join(':'),
  ecdhCurve: 'P-384:P-256',
  honorCipherOrder: true,
};
