// grad(springChain)
function springChain_grad_wrt_k_rest_a_w(k, rest, a, w, n) {
    let passes = 0;
    let record = new Float64Array(128);
    const t_2 = Math.floor(n - 1) + 2;
    let i = 1;
    let previous = 0;
    passes = 0;
    if (record.length < t_2 * 2) {
        const grown_1 = new Float64Array(t_2 * 2);
        record = grown_1;
    }
    while (true) {
        if (record.length < (passes + 1) * 2) {
            const grown_2 = new Float64Array(2 * record.length);
            grown_2.set(record);
            record = grown_2;
        }
        record[passes * 2] = i;
        record[passes * 2 + 1] = previous;
        passes++;
        const t_3 = i <= n;
        let previous_1 = previous;
        let i_2 = i;
        if (t_3) {
            const t_4 = w * i;
            const position = i + a * Math.sin(t_4);
            const i_1 = i + 1;
            previous_1 = position;
            i_2 = i_1;
        }
        i = i_2;
        previous = previous_1;
        if (!t_3)
            break;
    }
    let w_bar = 0;
    let a_bar = 0;
    let rest_bar = 0;
    let k_bar = 0;
    let energy_bar = 1;
    let previous_bar = 0;
    for (let pass = passes - 1; pass >= 0; pass--) {
        const i_4 = record[pass * 2];
        const previous_3 = record[pass * 2 + 1];
        let energy_4_bar = 0;
        let previous_3_bar = 0;
        if (i_4 <= n) {
            const t_23 = w * i_4;
            const t_24 = Math.sin(t_23);
            const position_2 = i_4 + a * t_24;
            const stretch_2 = position_2 - previous_3 - rest;
            const t_27 = 0.5 * k;
            const t_30 = energy_bar * stretch_2;
            const t_31 = energy_bar * (t_27 * stretch_2);
            const stretch_2_bar = t_31 + t_30 * t_27;
            const t_35 = -stretch_2_bar;
            const position_2_bar = previous_bar + stretch_2_bar;
            energy_4_bar += energy_bar;
            k_bar += t_30 * stretch_2 * 0.5;
            rest_bar += t_35;
            previous_3_bar += t_35;
            a_bar += position_2_bar * t_24;
            w_bar += position_2_bar * a * Math.cos(t_23) * i_4;
        }
        else {
            energy_4_bar += energy_bar;
            previous_3_bar += previous_bar;
        }
        energy_bar = energy_4_bar;
        previous_bar = previous_3_bar;
    }
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
