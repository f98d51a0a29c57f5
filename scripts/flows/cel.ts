/**
 * A small evaluator for the CEL expressions the platform writes into AgentgatewayPolicies, so
 * that tests and gates can ask what a rule admits instead of comparing its text. It covers the
 * subset the compiler emits: string and list literals, `==`, `!=`, `&&`, `||`, `!`, `in`,
 * parentheses, `has(x.y)`, `size(x)`, `x.startsWith(s)` and `list.exists(v, cond)`, over a context
 * of plain objects. CEL's errors follow agentgateway v1.4.1 (crates/cel-fork): reading a field of
 * a missing value is an error, `&&`/`||` absorb an error when the other side decides, and a rule
 * whose expression ends in an error does not match (crates/agentgateway/src/http/authorization.rs).
 * Anything outside the subset is a parse error: an expression the platform starts to write in
 * another shape fails loudly here rather than being judged by guesswork.
 */

/** A JSON value, which is what CEL sees of a request's source and token claims. */
export type Value = string | number | boolean | null | readonly Value[] | { readonly [k: string]: Value };

/** The outcome of an evaluation: a value, or CEL's error value. */
export type Outcome = { readonly ok: true; readonly value: Value } | { readonly ok: false; readonly error: string };

type Node =
  | { t: 'lit'; v: Value }
  | { t: 'list'; items: Node[] }
  | { t: 'ident'; name: string }
  | { t: 'field'; of: Node; name: string }
  | { t: 'call'; fn: string; target?: Node; args: Node[] }
  | { t: 'exists'; of: Node; v: string; body: Node }
  | { t: 'not'; x: Node }
  | { t: 'bin'; op: '==' | '!=' | '&&' | '||' | 'in'; l: Node; r: Node };

const TOKEN =
  /\s*(?:("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(\d+)|(&&|\|\||==|!=|[()[\].,!<>])|([A-Za-z_][A-Za-z0-9_]*))/y;

function tokenize(src: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < src.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(src);
    if (!m) {
      if (/^\s*$/.test(src.slice(at))) break;
      throw new Error(`CEL: cannot read ${JSON.stringify(src.slice(at))} in ${JSON.stringify(src)}`);
    }
    out.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
  }
  return out;
}

/** A recursive-descent parser of the supported subset, one method per precedence level. */
class CelParser {
  private readonly toks: string[];
  private i = 0;

  constructor(private readonly src: string) {
    this.toks = tokenize(src);
  }

  parse(): Node {
    const node = this.or();
    if (this.i !== this.toks.length)
      throw new Error(`CEL: unexpected "${this.toks[this.i]}" in ${JSON.stringify(this.src)}`);
    return node;
  }

  private peek(): string {
    return this.toks[this.i];
  }

  private next(): string {
    return this.toks[this.i++];
  }

  private expect(t: string): void {
    if (this.next() !== t) throw new Error(`CEL: expected "${t}" in ${JSON.stringify(this.src)}`);
  }

  private or(): Node {
    let l = this.and();
    while (this.peek() === '||') {
      this.next();
      l = { t: 'bin', op: '||', l, r: this.and() };
    }
    return l;
  }
  private and(): Node {
    let l = this.rel();
    while (this.peek() === '&&') {
      this.next();
      l = { t: 'bin', op: '&&', l, r: this.rel() };
    }
    return l;
  }
  private rel(): Node {
    const l = this.unary();
    const op = this.peek();
    if (op === '==' || op === '!=' || op === 'in') {
      this.next();
      return { t: 'bin', op, l, r: this.unary() };
    }
    if (op === '>' || op === '<') {
      this.next();
      return { t: 'call', fn: op, args: [l, this.unary()] };
    }
    return l;
  }
  private unary(): Node {
    if (this.peek() === '!') {
      this.next();
      return { t: 'not', x: this.unary() };
    }
    return this.postfix();
  }
  private postfix(): Node {
    let n = this.primary();
    while (this.peek() === '.') {
      this.next();
      const name = this.next();
      if (!/^[A-Za-z_]/.test(name ?? '')) throw new Error(`CEL: expected a field name in ${JSON.stringify(this.src)}`);
      if (this.peek() === '(') {
        this.next();
        if (name === 'exists') {
          const v = this.next();
          this.expect(',');
          const body = this.or();
          this.expect(')');
          n = { t: 'exists', of: n, v, body };
        } else {
          const args: Node[] = [];
          while (this.peek() !== ')') {
            args.push(this.or());
            if (this.peek() === ',') this.next();
          }
          this.next();
          n = { t: 'call', fn: name, target: n, args };
        }
      } else n = { t: 'field', of: n, name };
    }
    return n;
  }
  private primary(): Node {
    const tok = this.next();
    if (tok === undefined) throw new Error(`CEL: unexpected end of ${JSON.stringify(this.src)}`);
    if (tok === '(') {
      const e = this.or();
      this.expect(')');
      return e;
    }
    if (tok === '[') {
      const items: Node[] = [];
      while (this.peek() !== ']') {
        items.push(this.or());
        if (this.peek() === ',') this.next();
      }
      this.next();
      return { t: 'list', items };
    }
    if (/^["']/.test(tok))
      return { t: 'lit', v: JSON.parse(tok[0] === "'" ? `"${tok.slice(1, -1).replace(/"/g, '\\"')}"` : tok) };
    if (/^\d+$/.test(tok)) return { t: 'lit', v: Number(tok) };
    if (tok === 'true' || tok === 'false') return { t: 'lit', v: tok === 'true' };
    if ((tok === 'has' || tok === 'size') && this.peek() === '(') {
      this.next();
      const arg = this.or();
      this.expect(')');
      return { t: 'call', fn: tok, args: [arg] };
    }
    if (/^[A-Za-z_]/.test(tok)) return { t: 'ident', name: tok };
    throw new Error(`CEL: unexpected "${tok}" in ${JSON.stringify(this.src)}`);
  }
}

/** Parses an expression of the supported subset. */
export function parseCel(src: string): Node {
  return new CelParser(src).parse();
}

const err = (error: string): Outcome => ({ ok: false, error });
const val = (value: Value): Outcome => ({ ok: true, value });

/** A function call: has() and size(), the comparisons, startsWith. */
function evalCall(n: Extract<Node, { t: 'call' }>, ctx: Readonly<Record<string, Value | undefined>>): Outcome {
  if (n.fn === 'has') {
    const arg = n.args[0];
    if (arg.t !== 'field') return err('has() needs a field selection');
    const of = evalNode(arg.of, ctx);
    if (!of.ok) return of;
    const obj = of.value;
    return val(obj !== null && typeof obj === 'object' && !Array.isArray(obj) && arg.name in obj);
  }
  const args: Value[] = [];
  for (const a of n.args) {
    const o = evalNode(a, ctx);
    if (!o.ok) return o;
    args.push(o.value);
  }
  if (n.fn === 'size')
    return Array.isArray(args[0]) || typeof args[0] === 'string'
      ? val((args[0] as string | Value[]).length)
      : err('size of a non-list');
  if (n.fn === '>' || n.fn === '<')
    return typeof args[0] === 'number' && typeof args[1] === 'number'
      ? val(n.fn === '>' ? args[0] > args[1] : args[0] < args[1])
      : err('comparison of non-numbers');
  if (n.fn === 'startsWith') {
    const t = evalNode(n.target!, ctx);
    if (!t.ok) return t;
    return typeof t.value === 'string' && typeof args[0] === 'string'
      ? val(t.value.startsWith(args[0]))
      : err('startsWith on a non-string');
  }
  return err(`unsupported function ${n.fn}`);
}

/** A binary operator: && and || (a deciding side wins over an error on the other), ==, != and in. */
function evalBinary(n: Extract<Node, { t: 'bin' }>, ctx: Readonly<Record<string, Value | undefined>>): Outcome {
  if (n.op === '&&' || n.op === '||') {
    const l = evalNode(n.l, ctx);
    const r = evalNode(n.r, ctx);
    const decides = n.op === '&&' ? false : true;
    if ((l.ok && l.value === decides) || (r.ok && r.value === decides)) return val(decides);
    if (!l.ok) return l;
    if (!r.ok) return r;
    return typeof l.value === 'boolean' && typeof r.value === 'boolean'
      ? val(!decides)
      : err(`${n.op} of non-booleans`);
  }
  const l = evalNode(n.l, ctx);
  if (!l.ok) return l;
  const r = evalNode(n.r, ctx);
  if (!r.ok) return r;
  if (n.op === 'in')
    return Array.isArray(r.value) ? val((r.value as Value[]).includes(l.value)) : err('in on a non-list');
  const same = JSON.stringify(l.value) === JSON.stringify(r.value);
  return val(n.op === '==' ? same : !same);
}

function evalNode(n: Node, ctx: Readonly<Record<string, Value | undefined>>): Outcome {
  switch (n.t) {
    case 'lit':
      return val(n.v);
    case 'list': {
      const items: Value[] = [];
      for (const x of n.items) {
        const o = evalNode(x, ctx);
        if (!o.ok) return o;
        items.push(o.value);
      }
      return val(items);
    }
    case 'ident': {
      const v = ctx[n.name];
      return v === undefined ? err(`no such variable ${n.name}`) : val(v);
    }
    case 'field': {
      const o = evalNode(n.of, ctx);
      if (!o.ok) return o;
      const obj = o.value;
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj) || !(n.name in obj))
        return err(`no such key ${n.name}`);
      return val((obj as Record<string, Value>)[n.name]);
    }
    case 'not': {
      const o = evalNode(n.x, ctx);
      return !o.ok ? o : typeof o.value === 'boolean' ? val(!o.value) : err('! of a non-boolean');
    }
    case 'exists': {
      const o = evalNode(n.of, ctx);
      if (!o.ok) return o;
      if (!Array.isArray(o.value)) return err('exists on a non-list');
      let sawError: Outcome | undefined;
      for (const item of o.value as Value[]) {
        const r = evalNode(n.body, { ...ctx, [n.v]: item });
        if (r.ok && r.value === true) return val(true);
        if (!r.ok) sawError = r;
      }
      return sawError ?? val(false);
    }
    case 'call':
      return evalCall(n, ctx);
    case 'bin':
      return evalBinary(n, ctx);
  }
}

const parsed = new Map<string, Node>();

/** Evaluates an expression against a context (`source`, `jwt`, ...; a missing variable is absent). */
export function evalCel(expression: string, ctx: Readonly<Record<string, Value | undefined>>): Outcome {
  let node = parsed.get(expression);
  if (!node) {
    node = parseCel(expression);
    parsed.set(expression, node);
  }
  return evalNode(node, ctx);
}

/** Every string literal of an expression: the values a source can be told apart by. */
export function celLiterals(expression: string): string[] {
  const out: string[] = [];
  const walk = (n: Node): void => {
    switch (n.t) {
      case 'lit':
        if (typeof n.v === 'string') out.push(n.v);
        return;
      case 'list':
        n.items.forEach(walk);
        return;
      case 'field':
        walk(n.of);
        return;
      case 'call':
        if (n.target) walk(n.target);
        n.args.forEach(walk);
        return;
      case 'exists':
        walk(n.of);
        walk(n.body);
        return;
      case 'not':
        walk(n.x);
        return;
      case 'bin':
        walk(n.l);
        walk(n.r);
        return;
      default:
        return;
    }
  };
  walk(parseCel(expression));
  return out;
}

/** Whether an authorization rule with this expression matches: true only for the value true. */
export function celMatches(expression: string, ctx: Readonly<Record<string, Value | undefined>>): boolean {
  const o = evalCel(expression, ctx);
  return o.ok && o.value === true;
}

/** The `source` of a request that came through an HBONE tunnel with this SPIFFE identity. */
export function meshSource(trustDomain: string, namespace: string, serviceAccount = 'default'): Record<string, Value> {
  return { identity: { trustDomain, namespace, serviceAccount } };
}
