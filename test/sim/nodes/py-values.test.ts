import { describe, expect, it } from 'vitest';
import { PyError, pyBool, pyFloat, pyInt } from '../../../src/sim/nodes/py-coerce.js';
import { pyFloatRepr, pyRepr, pyStr } from '../../../src/sim/nodes/py-format.js';

describe('Python formatting', () => {
  it.each([
    [1, '1.0'],
    [0.1, '0.1'],
    [-2.5, '-2.5'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.5e-5, '1.5e-05'],
    [1e15, '1000000000000000.0'],
    [1e16, '1e+16'],
    [123456789012345680, '1.2345678901234568e+17'],
    [1e22, '1e+22'],
    [0, '0.0'],
    [Infinity, 'inf'],
    [NaN, 'nan'],
  ])('repr(float(%s)) is %s', (x, text) => {
    expect(pyFloatRepr(x)).toBe(text);
  });

  it('prints containers and strings the Python way', () => {
    expect(pyStr(['a', 'b'])).toBe("['a', 'b']");
    expect(pyStr({ a: 1, b: null, c: true })).toBe("{'a': 1, 'b': None, 'c': True}");
    expect(pyRepr("it's")).toBe('"it\'s"');
    expect(pyRepr('a\nb')).toBe("'a\\nb'");
    expect(pyStr(1e21)).toBe('1000000000000000000000');
  });
});

describe('Python coercion', () => {
  it('int() truncates floats and parses padded or underscored decimals', () => {
    expect(pyInt(2.9)).toBe(2);
    expect(pyInt(-2.9)).toBe(-2);
    expect(pyInt(' 42 ')).toBe(42);
    expect(pyInt('1_000')).toBe(1000);
    expect(pyInt(true)).toBe(1);
  });

  it.each([
    ['1.5', 'ValueError', "invalid literal for int() with base 10: '1.5'"],
    ['', 'ValueError', "invalid literal for int() with base 10: ''"],
    [null, 'TypeError', "int() argument must be a string, a bytes-like object or a real number, not 'NoneType'"],
    [{}, 'TypeError', "int() argument must be a string, a bytes-like object or a real number, not 'dict'"],
  ])('int(%j) raises %s', (value, type, message) => {
    const err = (() => {
      try {
        pyInt(value);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(PyError);
    expect(err).toMatchObject({ pyType: type, message });
  });

  it('float() accepts what CPython accepts', () => {
    expect(pyFloat('1e3')).toBe(1000);
    expect(pyFloat(' .5 ')).toBe(0.5);
    expect(pyFloat('-inf')).toBe(-Infinity);
    expect(pyFloat('NaN')).toBeNaN();
    expect(() => pyFloat('abc')).toThrow("could not convert string to float: 'abc'");
  });

  it('bool() is truthiness: "false" is True', () => {
    expect([pyBool('false'), pyBool(''), pyBool(0), pyBool([]), pyBool({ a: 1 }), pyBool(null)]).toEqual([true, false, false, false, true, false]);
  });
});
