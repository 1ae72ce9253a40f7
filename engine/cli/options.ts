/** Value parsers shared by the commands: each rejects bad input with a message that names the flag. */
import { InvalidArgumentError } from 'commander';

export function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`}, got '${value}'.`);
    }
    return n;
  };
}

export function number(min = -Infinity, max = Infinity) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a number${Number.isFinite(min) ? ` from ${min}` : ''}${Number.isFinite(max) ? ` to ${max}` : ''}, got '${value}'.`);
    }
    return n;
  };
}

export function integerList(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.some((p) => !/^\d+$/.test(p))) {
    throw new InvalidArgumentError(`expected comma-separated integers such as 0,250,500,750,999, got '${value}'.`);
  }
  return parts.map(Number);
}

export function numberList(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.some((p) => p === '') || nums.some((n) => !Number.isFinite(n))) {
    throw new InvalidArgumentError(`expected comma-separated numbers such as 0,1,3,7.5, got '${value}'.`);
  }
  return nums;
}
