// pullback(square)
function square_pullback(x, dy) {
    const x_bar = 2 * (dy * x);
    return x_bar;
}

// grad(ring)
function ring_grad(x, y) {
    const radius = Math.sqrt(square(x) + square(y));
    const t_6 = square_pullback(radius - 1, 1);
    const t_10 = t_6 !== 0 ? t_6 * (0.5 / radius) : 0;
    return [square_pullback(x, t_10), square_pullback(y, t_10)];
}
