import { escapeFilterValue, isDisabled } from './ldap-directory';

describe('LDAP directory adapter', () => {
  it('activeDirectory_disabledIsBit0x2OfUserAccountControl', () => {
    expect(isDisabled('uac-bit', '', ['512'])).toBe(false); // NORMAL_ACCOUNT
    expect(isDisabled('uac-bit', '', ['514'])).toBe(true); // NORMAL_ACCOUNT | ACCOUNTDISABLE
    expect(isDisabled('uac-bit', '', ['66048'])).toBe(false); // + DONT_EXPIRE_PASSWORD
    expect(isDisabled('uac-bit', '', ['66050'])).toBe(true);
    expect(isDisabled('uac-bit', '', [])).toBe(false);
  });
  it('otherServers_disabledByEquality', () => {
    expect(isDisabled('equals', 'TRUE', ['true'])).toBe(true);
    expect(isDisabled('equals', 'TRUE', ['FALSE'])).toBe(false);
    expect(isDisabled('equals', 'TRUE', [])).toBe(false);
  });
  it('filterValues_areEscaped', () => {
    expect(escapeFilterValue('a*)(uid=*')).toBe('a\\2a\\29\\28uid=\\2a');
    expect(escapeFilterValue('back\\slash')).toBe('back\\5cslash');
  });
});
