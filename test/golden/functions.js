// grad(rosenbrock)
function rosenbrock_grad(x, y) {
    const a = 1 - x;
    const b = y - x * x;
    const b_bar = 2 * (100 * b);
    const a_bar = 2 * a;
    const x_bar = 2 * (-b_bar * x) - a_bar;
    return [x_bar, b_bar];
}

// valueAndGrad(neuron)
function neuron_valueAndGrad_wrt_w_bias(w, bias, input, target) {
    const z = w * input + bias;
    const t_3 = Math.exp(-z);
    const t_4 = 1 + t_3;
    const p = 1 / t_4;
    const error = p - target;
    const t_7 = 0.5 * error;
    const error_bar = 2 * t_7;
    const z_bar = -(error_bar * (-p / t_4) * t_3);
    const w_bar = z_bar * input;
    return [t_7 * error, [w_bar, z_bar]];
}

// grad(polar)
function polar_grad_wrt_theta(r, theta) {
    const t = Math.cos(theta);
    const s = r * t;
    const t_2 = Math.sin(theta);
    const s_1 = s + r * t_2;
    const s_2 = s_1 * s_1;
    const t_6 = Math.hypot(s_2, r);
    const s_1_bar = 2 * ((t_6 === 0 ? 0 : s_2 / t_6) * s_1);
    const t_21 = s_1_bar * r;
    const theta_bar = (r >= theta ? 0 : 1) + t_21 * t + t_21 * -t_2;
    return theta_bar;
}
