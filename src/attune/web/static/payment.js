// The card page (/bookings/{id}/pay with Stripe): mounts Stripe's Payment Element with the
// intent's client secret, confirms in the browser, and comes back to the booking, whose page
// shows what the server recorded. The keys come from the form's data- attributes.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("payment-form");
  const message = document.getElementById("payment-message");
  const button = document.getElementById("payment-submit");
  if (!form || typeof Stripe === "undefined") {
    if (message) message.textContent = "The card form could not be loaded. Reload the page to try again.";
    return;
  }
  const stripe = Stripe(form.dataset.publishableKey);
  const elements = stripe.elements({ clientSecret: form.dataset.clientSecret });
  elements.create("payment").mount("#payment-element");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    message.textContent = "";
    const returnUrl = new URL(form.dataset.returnPath, window.location.origin).href;
    const { error } = await stripe.confirmPayment({ elements, confirmParams: { return_url: returnUrl } });
    // Only reached when the payment could not be confirmed; otherwise Stripe goes to returnUrl.
    if (error) message.textContent = error.message || "The payment did not go through.";
    button.disabled = false;
  });
});
