import { describe, expect, it } from 'vitest';
import { maskConfig } from '../../cli/secrets.ts';
import { Config } from '../../shared/config/schema.ts';

// Which values are secrets comes from the schemas (`.meta({ secret: true })`), not from a list beside them: the
// Nacos password, its RAM secret key and the TLS private key are declared where they are defined.

const KEY =
  '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49-tls-key-body\n-----END PRIVATE KEY-----\n';

describe('maskConfig: secrets as the schemas declare them', () => {
  it('masks nacos.password, nacos.secretKey and nacos.tls.key, and nothing that is not secret', () => {
    const user = Config.parse({
      nacos: {
        server: 'https://10.0.0.5:8848',
        username: 'nacos',
        password: 'pw-1',
        tls: { key: KEY, cert: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n' },
      },
    });
    const masked = maskConfig(user);
    expect(masked.masked.nacos).toMatchObject({ username: 'nacos', password: '***', tls: { key: '***' } });
    expect(masked.masked.nacos?.tls?.cert).toContain('BEGIN CERTIFICATE');
    expect(masked.secrets.sort()).toEqual([KEY, 'pw-1'].sort());
    const ram = Config.parse({
      nacos: { instanceId: 'mse-cn-abc', accessKey: 'LTAI-ak', secretKey: 'sk-2' },
    });
    const maskedRam = maskConfig(ram);
    expect(maskedRam.masked.nacos).toMatchObject({
      instanceId: 'mse-cn-abc',
      accessKey: 'LTAI-ak',
      secretKey: '***',
    });
    expect(maskedRam.secrets).toEqual(['sk-2']);
    // a secret echoed elsewhere in the config is masked there too
    expect(maskedRam.redact('signed with sk-2')).toBe('signed with ***');
  });
});
