// The application shell: a header, and the page the hash route names.

import { useEffect, useState } from 'preact/hooks';
import type { Experiment } from './api';
import { ExperimentList } from './components/ExperimentList';
import { Empty } from './components/common';
import { navigate, useRoute } from './nav';
import { experimentHash, type Route } from './router';
import { ExperimentPage } from './pages/ExperimentPage';
import { ComparePage } from './pages/ComparePage';
import { ModelPage } from './pages/ModelPage';
import { ModelsPage } from './pages/ModelsPage';
import { ModelVersionPage } from './pages/ModelVersionPage';
import { RunPage } from './pages/RunPage';
import { RunRedirect } from './pages/RunRedirect';
import { refreshAccess, useAccess } from './session';

export function App() {
  const route = useRoute();
  const section = route.page === 'models' || route.page === 'model' || route.page === 'model-version' ? 'models' : 'experiments';
  // Permissions may have been granted meanwhile: read them again on every page change.
  useEffect(() => { void refreshAccess(); }, [route]);
  return (
    <div class="app">
      <header class="topbar">
        <a class="brand" href="#/">Orchard</a>
        <nav aria-label="Sections">
          <a href="#/" aria-current={section === 'experiments' ? 'page' : undefined}>Experiments</a>
          <a href="#/models" aria-current={section === 'models' ? 'page' : undefined}>Models</a>
        </nav>
        <SignedIn />
      </header>
      <Page route={route} />
    </div>
  );
}

/** Who is signed in (nothing when the server has no sign-in). */
function SignedIn() {
  const { user } = useAccess();
  if (!user) return null;
  return (
    <span class="signed-in" title="Signed in to this server (HTTP basic authentication); close the browser to sign out">
      Signed in as <strong>{user.username}</strong>{user.is_admin && <span class="badge">admin</span>}
    </span>
  );
}

function Page({ route }: { route: Route }) {
  const [firstExperiment, setFirstExperiment] = useState<string | null>(null);
  switch (route.page) {
    case 'home': {
      const onLoaded = (list: Experiment[]) => {
        const first = list.find((e) => e.lifecycle_stage === 'active');
        if (first) navigate(experimentHash(first.experiment_id), true);
        else setFirstExperiment('');
      };
      return (
        <div class="with-sidebar">
          <ExperimentList onLoaded={onLoaded} />
          <main class="main">{firstExperiment === '' ? <Empty>No experiments yet. Create one with + on the left, or log a run with <code>orchard runs create --experiment-name NAME</code>.</Empty> : null}</main>
        </div>
      );
    }
    case 'experiment':
      return (
        <div class="with-sidebar">
          <ExperimentList selectedId={route.experimentId} />
          <ExperimentPage key={route.experimentId} experimentId={route.experimentId} state={route.state} />
        </div>
      );
    case 'run':
      return <RunPage key={route.runId} experimentId={route.experimentId} runId={route.runId} tab={route.tab} artifactPath={route.artifactPath} />;
    case 'run-redirect':
      return <RunRedirect runId={route.runId} />;
    case 'compare-runs':
      return <ComparePage runIds={route.runs} experimentIds={route.experiments} />;
    case 'models':
      return <ModelsPage search={route.search ?? ''} />;
    case 'model':
      return <ModelPage key={route.name} name={route.name} />;
    case 'model-version':
      return <ModelVersionPage key={route.name + '/' + route.version} name={route.name} version={route.version} />;
    case 'not-found':
      return <main class="main"><h1>Page not found</h1><Empty>Nothing lives at <code>{route.path}</code>. <a href="#/">Go to the experiments</a>.</Empty></main>;
  }
}
