// pullback(square)
function square_pullback(x, dy) {
    const x_bar = 2 * (dy * x);
    return x_bar;
}

// grad(ring)
function ring_grad(x, y) {
    const radius = Math.sqrt(square(x) + square(y));
    const t_6 = square_pullback(radius - 1, 1);
    const t_7 = 0.5 / radius;
    const t_12 = t_6 !== 0 || Number.isFinite(t_7) ? t_6 * t_7 : 0;
    return [square_pullback(x, t_12), square_pullback(y, t_12)];
}
