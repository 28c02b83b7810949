// pullback(square)
function square_pullback(x, dy) {
    const x_bar = 2 * (dy * x);
    return x_bar;
}

// grad(ring)
function ring_grad(x, y) {
    const radius = Math.sqrt(square(x) + square(y));
    const t_8 = square_pullback(radius - 1, 1) * (0.5 / radius);
    return [square_pullback(x, t_8), square_pullback(y, t_8)];
}
