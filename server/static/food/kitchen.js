// The kitchen tablet's weight presets and dish shortcuts: a tap fills the form (no typing with wet hands).
document.addEventListener("click", (event) => {
  const grams = event.target.closest("[data-grams]");
  if (grams) {
    document.getElementById("weight_g").value = grams.dataset.grams;
    return;
  }
  const dish = event.target.closest("[data-dish]");
  if (dish) {
    document.getElementById("dish").value = dish.dataset.dish;
    const meal = document.querySelector(`input[name="meal"][value="${dish.dataset.meal}"]`);
    if (meal) meal.checked = true;
    document.getElementById("weight_g").focus();
  }
});
