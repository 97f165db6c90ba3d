// Fresh values per entry for the patterns benches: bench/data.mjs cycles some 32,000 Loghub lines, so a
// cache keyed by whole messages or tokens would see each line again and again. `vary` gives every run of
// two or more digits new digits from the entry's index: a number of four or more digits standing alone
// (an id, a count, a size, a port) comes one shorter, as long or one longer; digits beside letters (hex
// ids, UUIDs) and short runs (IP octets, times, dates) keep their length; one-digit names (`ssh2`) stay.
export function vary(message, i) {
  let k = 0
  return message.replace(/\d{2,}/g, (run, at) => {
    let h = Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(++k, 0x85ebca6b)
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d)
    // a number of 4+ digits standing alone (an id, a count, a size, a port) comes one shorter, as long
    // or one longer; digits beside letters (hex ids, UUIDs) keep their length
    const alone = !/[A-Za-z]/.test(message[at - 1] ?? '') && !/[A-Za-z]/.test(message[at + run.length] ?? '')
    const len = alone && run.length >= 4 ? run.length - 1 + ((h >>> 4) % 3) : run.length
    let out = ''
    for (let j = 0; j < len; j++) {
      h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) + j
      out += String.fromCharCode(j === 0 && len > 1 && alone ? 49 + ((h >>> 8) % 9) : 48 + ((h >>> 8) % 10))
    }
    return out
  })
}
