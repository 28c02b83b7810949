// grad(springChain)
function springChain_grad_wrt_k_rest_a_w(k, rest, a, w, n) {
    const kept_1 = springChain_grad_wrt_k_rest_a_w.buffers;
    springChain_grad_wrt_k_rest_a_w.buffers = undefined;
    let passes = 0;
    let record = kept_1 ? kept_1[0] : new Float64Array(128);
    const t_2 = Math.floor(n - 1) + 2;
    let i = 1;
    let previous = 0;
    passes = 0;
    if (record.length < t_2 * 2) {
        const grown_1 = new Float64Array(t_2 * 2);
        record = grown_1;
    }
    while (i <= n) {
        if (record.length < (passes + 1) * 2) {
            const grown_2 = new Float64Array(2 * record.length);
            grown_2.set(record);
            record = grown_2;
        }
        record[passes * 2] = previous;
        passes++;
        const t_4 = w * i;
        const t_5 = Math.sin(t_4);
        const position = i + a * t_5;
        const i_1 = i + 1;
        record[(passes - 1) * 2 + 1] = t_5;
        i = i_1;
        previous = position;
    }
    let w_bar = 0;
    let a_bar = 0;
    let rest_bar = 0;
    let k_bar = 0;
    let energy_bar = 1;
    let previous_bar = 0;
    for (let pass = passes - 1; pass >= 0; pass--) {
        const previous_3 = record[pass * 2];
        const t_17 = record[pass * 2 + 1];
        const i_4 = 1 + pass;
        const position_1 = i_4 + a * t_17;
        const stretch_1 = position_1 - previous_3 - rest;
        const t_20 = 0.5 * k;
        const t_23 = energy_bar * stretch_1;
        const t_24 = energy_bar * (t_20 * stretch_1);
        const stretch_1_bar = t_24 + t_23 * t_20;
        const t_28 = -stretch_1_bar;
        const position_1_bar = previous_bar + stretch_1_bar;
        k_bar += t_23 * stretch_1 * 0.5;
        rest_bar += t_28;
        a_bar += position_1_bar * t_17;
        w_bar += position_1_bar * a * Math.cos(w * i_4) * i_4;
        previous_bar = t_28;
    }
    springChain_grad_wrt_k_rest_a_w.buffers = [record];
    return [k_bar, rest_bar, a_bar, w_bar];
}

// grad(huber)
function huber_grad_wrt_x(x, delta) {
    const r = Math.abs(x);
    const t_1 = r <= delta;
    let x_bar = 0;
    let result_bar = 0;
    let r_bar = 0;
    if (!t_1) {
        r_bar += delta;
    }
    else {
        result_bar += 1;
    }
    if (t_1) {
        const t_13 = result_bar * x;
        const t_14 = result_bar * (0.5 * x);
        x_bar += t_14 + t_13 * 0.5;
    }
    const t_18 = r_bar * Math.sign(x);
    x_bar += t_18;
    return x_bar;
}
