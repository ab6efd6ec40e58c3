// #/runs/<run_id>: finds the run's experiment and shows the run under it.

import { useEffect } from 'preact/hooks';
import * as api from '../api';
import { navigate } from '../nav';
import { runHash } from '../router';
import { ErrorBox, Loading, useAsync } from '../components/common';

export function RunRedirect({ runId }: { runId: string }) {
  const run = useAsync((signal) => api.getRun(runId, signal), [runId]);
  useEffect(() => {
    if (run.data) navigate(runHash(run.data.info.experiment_id, runId), true);
  }, [run.data]);
  return <main class="main">{run.error ? <ErrorBox error={run.error} hint="Check the run ID in the link." /> : <Loading what={`run ${runId}`} />}</main>;
}
