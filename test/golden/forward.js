// derivative(f)
function f_derivative(x) {
    const a = x * x;
    const a_dot = 2 * x;
    const b = Math.exp(a);
    const b_dot = b * a_dot;
    const c = a + b;
    const c_dot = a_dot + b_dot;
    const d = Math.sqrt(c);
    const t_9 = 0.5 / d;
    const d_dot = c_dot !== 0 || Number.isFinite(t_9) ? t_9 * c_dot : 0;
    const e_dot = -Math.sin(c) * c_dot;
    return d_dot + e_dot;
}

// jvp(oscillator)
function oscillator_jvp(primals, tangents) {
    const x = primals[0];
    const v = primals[1];
    const k = primals[2];
    const x_dot = tangents[0];
    const v_dot = tangents[1];
    const k_dot = tangents[2];
    let i = 0;
    let v_1 = v;
    let x_1 = x;
    let e = 0;
    let v_1_dot = v_dot;
    let x_1_dot = x_dot;
    let e_dot = 0;
    while (i < 3) {
        const t_4 = -k;
        const a = t_4 * x_1;
        const t_14 = x_1 * -k_dot;
        const t_15 = t_4 * x_1_dot;
        const a_dot = t_14 + t_15;
        const v_2 = v_1 + 0.1 * a;
        const v_2_dot = v_1_dot + 0.1 * a_dot;
        const x_2 = x_1 + 0.1 * v_2;
        const x_2_dot = x_1_dot + 0.1 * v_2_dot;
        const e_1 = e + x_2 * x_2;
        const e_1_dot = e_dot + 2 * (x_2 * x_2_dot);
        const i_1 = i + 1;
        i = i_1;
        v_1 = v_2;
        x_1 = x_2;
        e = e_1;
        v_1_dot = v_2_dot;
        x_1_dot = x_2_dot;
        e_dot = e_1_dot;
    }
    const e_3 = e;
    const e_3_dot = e_dot;
    return [e_3, e_3_dot];
}

// hessian(f)
(a, b) => {
    return [[3 * (2 * a), 1], [1, 3 * (2 * b)]];
}
