/** The chat page's entry point (bundled by scripts/build-web.mjs into app.js). */
import { render } from "preact";
import { App } from "./ui/app.js";

render(<App />, document.getElementById("app")!);
