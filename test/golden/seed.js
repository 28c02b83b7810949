// grad(f)
function f_grad(x) {
    const a = x * x;
    const b = Math.exp(a);
    const c = a + b;
    const d = Math.sqrt(c);
    const c_bar = 0.5 / d - Math.sin(c);
    const a_bar = c_bar + c_bar * b;
    const x_bar = 2 * (a_bar * x);
    return x_bar;
}

// valueAndGrad(f)
function f_valueAndGrad(x) {
    const a = x * x;
    const b = Math.exp(a);
    const c = a + b;
    const d = Math.sqrt(c);
    const e = Math.cos(c);
    const c_bar = 0.5 / d - Math.sin(c);
    const a_bar = c_bar + c_bar * b;
    const x_bar = 2 * (a_bar * x);
    return [d + e, x_bar];
}
