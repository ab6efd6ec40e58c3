// Pages that come in a later version of the UI: they say so and point at what works today.

export function Placeholder({ title, detail }: { title: string; detail?: string }) {
  return (
    <main class="main">
      <h1>{title}</h1>
      <div class="state state-empty">
        <p>This view comes in a later version of Orchard's UI.</p>
        {detail && <p>{detail}</p>}
        <p><a href="#/">Back to the experiments</a></p>
      </div>
    </main>
  );
}
