// `nfvperf` commands: parse, call, print. Each command lives in commands/<name>.ts and is loaded
// lazily; errors are mapped to exit codes in the one catch below.
import { Command } from 'commander';
import { describeError, exitCodeOf, PlanError } from '../common/errors.js';
import { NFVPERF_VERSION } from '../common/version.js';

// A reader that stops early (`nfvperf run … --dry-run | head`) closes the pipe: what is left to
// print has no reader, so it is dropped quietly — no stack trace — and the command goes on to its
// end (a run still tears its host down).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
  });
}

const program = new Command('nfvperf')
  .description('Measure how fast containers talk to each other over virtual switches')
  .version(NFVPERF_VERSION)
  .showHelpAfterError()
  .exitOverride();

program
  .command('run')
  .description('expand a plan into cases, run each one, store the results')
  .argument('<plan>', 'plan file (YAML)')
  .option('-o, --out <dir>', 'output directory (default: results/<plan name>-<date>)')
  .option('--dry-run', 'list the cases and touch nothing')
  .option('--resume', 'continue an interrupted run in --out: stored cases are not run again')
  .option('--plain', 'plain progress lines instead of the live display')
  .option(
    '--skip-unavailable',
    'record cases whose switch or backend cannot run here as skipped (with the reason) and run the rest, instead of refusing the plan',
  )
  .option(
    '--cpufreq-performance',
    "pin every CPU's cpufreq governor to performance and turn turbo off for the run, restoring both after (as the paper did; a host without cpufreq runs as it is)",
  )
  .option(
    '--strict',
    'refuse to run on a host that fails a pre-flight rule (see `nfvperf doctor --host`), listing them',
  )
  .option('--jitter-ms <ms>', 'length of the pre-flight jitter probe per CPU (0 skips it)', '1000')
  .addHelpText(
    'after',
    '\nExamples:\n  nfvperf run examples/quickstart.yaml --out out/quickstart\n  nfvperf run plan.yaml --skip-unavailable --cpufreq-performance --strict',
  )
  .action(
    async (
      plan: string,
      opts: {
        out?: string;
        dryRun?: boolean;
        resume?: boolean;
        plain?: boolean;
        skipUnavailable?: boolean;
        cpufreqPerformance?: boolean;
        strict?: boolean;
        jitterMs?: string;
      },
    ) => {
      const { runCommand } = await import('./commands/run.js');
      process.exitCode = await runCommand(plan, opts);
    },
  );

program
  .command('reproduce')
  .description(
    "run the paper's experiments this host can run (Table 2, Figs. 4-6), one run each under --out, and write one report with the paper beside the data",
  )
  .requiredOption('-o, --out <dir>', 'output directory; the same options again continue it')
  .option(
    '--scale <scale>',
    'quick (3 s trials, 1 repetition, fewer points) or paper (the example plans as written, ≥ 3 repetitions)',
    'quick',
  )
  .option('--testbed <file>', 'testbed file for the remote half (Figs. 4d, 4g-h, 5d-f); without it those are skipped')
  .option(
    '--only <names>',
    'comma-separated experiments to run now: table2, fig4a, fig4bc, fig4bc-dpdk, fig4ef, fig5, fig5-dpdk, fig6, fig6-dpdk, remote, fig5-remote',
  )
  .option('--plain', 'plain progress lines instead of the live display')
  .option('--dry-run', "list each run's cases and seconds of traffic; write and touch nothing")
  .addHelpText(
    'after',
    '\nExamples:\n  nfvperf reproduce --out out/paper\n  nfvperf reproduce --scale paper --testbed lab.yaml --out out/paper-full',
  )
  .action(
    async (opts: {
      out: string;
      scale?: string;
      testbed?: string;
      only?: string;
      plain?: boolean;
      dryRun?: boolean;
    }) => {
      const { reproduceCommand } = await import('./commands/reproduce.js');
      process.exitCode = await reproduceCommand(opts);
    },
  );

program
  .command('schema')
  .description('print the JSON Schema of plan files')
  .action(async () => {
    const { schemaCommand } = await import('./commands/schema.js');
    schemaCommand();
  });

program
  .command('cleanup')
  .description('remove what interrupted or killed runs left on this host (nfp-prefixed resources)')
  .option('--dry-run', 'print what would be removed, remove nothing')
  .action(async (opts: { dryRun?: boolean }) => {
    const { cleanupCommand } = await import('./commands/cleanup.js');
    process.exitCode = await cleanupCommand(opts);
  });

program
  .command('doctor')
  .description('say which switches, app backends and container runtimes can run here, and how to fix the rest')
  .option('--json', 'print the findings as JSON')
  .option(
    '--testbed <file>',
    'check every host of a testbed file instead (reachable, agent, versions, switches, uplink)',
  )
  .option(
    '--host',
    'check this host as a benchmark host instead: isolated cores, IRQ affinity, cpufreq, SMT, NUMA, hugepages, busy processes, steal time, jitter',
  )
  .option('--cpus <list>', 'with --host: the CPUs to judge (default: all online)')
  .option('--jitter-ms <ms>', 'with --host: jitter probe length per CPU (0 skips it)', '1000')
  .option('--nics <list>', "with --host: network interfaces (comma-separated) whose NUMA node must match the CPUs'")
  .option('--strict', 'with --host: exit 1 when a rule fails')
  .addHelpText(
    'after',
    '\nExamples:\n  nfvperf doctor --json\n  nfvperf doctor --testbed lab.yaml\n  nfvperf doctor --host --cpus 1-3 --strict',
  )
  .action(
    async (opts: {
      json?: boolean;
      testbed?: string;
      host?: boolean;
      cpus?: string;
      jitterMs?: string;
      nics?: string;
      strict?: boolean;
    }) => {
      if (opts.host) {
        const { doctorHostCommand } = await import('./commands/doctor-host.js');
        process.exitCode = await doctorHostCommand(opts);
        return;
      }
      if (opts.testbed !== undefined) {
        const { doctorTestbedCommand } = await import('./commands/doctor-testbed.js');
        process.exitCode = await doctorTestbedCommand(opts.testbed, opts);
        return;
      }
      const { doctorCommand } = await import('./commands/doctor.js');
      process.exitCode = await doctorCommand(opts);
    },
  );

program
  .command('agent')
  .description(
    'serve one host of a remote plan on stdin/stdout (started by `nfvperf run` over SSH; docs/agent-protocol.md)',
  )
  .action(async () => {
    const { agentCommand } = await import('./commands/agent.js');
    process.exitCode = await agentCommand();
  });

program
  .command('report')
  .description('(re)generate DIR/report.html and DIR/figures/*.svg|png from DIR/results.sqlite')
  .argument('<dir>', 'output directory of a run (its --out)')
  .addHelpText('after', '\nExample:\n  nfvperf report out/quickstart && xdg-open out/quickstart/report.html')
  .action(async (dir: string) => {
    const { reportCommand } = await import('./commands/report.js');
    process.exitCode = await reportCommand(dir);
  });

program
  .command('export')
  .description(
    'print one row per case (the summary table plus analysis columns) as CSV or JSON, or every latency histogram as an HdrHistogram log (hdr)',
  )
  .argument('<dir>', 'output directory of a run (its --out)')
  .option('-f, --format <format>', 'csv, json or hdr', 'csv')
  .option('-o, --output <file>', 'write to a file instead of standard output')
  .addHelpText('after', '\nExample:\n  nfvperf export out/quickstart --format csv > quickstart.csv')
  .action(async (dir: string, opts: { format: string; output?: string }) => {
    const { exportCommand } = await import('./commands/export.js');
    process.exitCode = await exportCommand(dir, opts);
  });

program
  .command('compare')
  .description(
    'compare the rx rate of matching cases of two runs (B/A), or of a run against a history, flagging regressions; says when the runs are not comparable and why',
  )
  .argument('<dirA>', 'baseline run directory, or a history database (from `nfvperf history --db`)')
  .argument('<dirB>', 'run directory to compare with it')
  .option('--threshold <percent>', 'without repetitions for a CI, a B/A below 1 - this is a regression', '5')
  .option('--fail-on-regression', 'exit 1 when any case regressed')
  .option('--json', 'one JSON object per case instead of the table')
  .addHelpText(
    'after',
    '\nExamples:\n  nfvperf compare out/before out/after --fail-on-regression\n  nfvperf compare history.sqlite out/tonight --fail-on-regression',
  )
  .action(
    async (dirA: string, dirB: string, opts: { threshold?: string; failOnRegression?: boolean; json?: boolean }) => {
      const { compareCommand } = await import('./commands/compare.js');
      process.exitCode = await compareCommand(dirA, dirB, opts);
    },
  );

program
  .command('history')
  .description(
    "gather many runs' figures per case (every run in each DIR's results.sqlite); with --db, add them to a history database",
  )
  .argument('[dirs...]', 'run directories (their --out)')
  .option(
    '--db <file>',
    'a history database: the runs read are added to it (created if missing); without DIRs, it is read',
  )
  .option('--json', 'print the runs and series as JSON')
  .addHelpText(
    'after',
    '\nExamples:\n  nfvperf history out/nightly-*\n  nfvperf history --db history.sqlite out/nightly-2026-12-07\n  nfvperf history --db history.sqlite',
  )
  .action(async (dirs: string[], opts: { db?: string; json?: boolean }) => {
    const { historyCommand } = await import('./commands/history.js');
    process.exitCode = await historyCommand(dirs, opts);
  });

program
  .command('trend')
  .description(
    "find changes in each case's figure across runs (jumpavg-style groups), and whether the newest run falls inside the earlier runs' 95 % interval",
  )
  .argument('[dirs...]', 'run directories (their --out)')
  .option('--db <file>', 'a history database (from `nfvperf history --db`), with or beside DIRs')
  .option('--html <file>', 'also draw each series with its groups in this HTML file')
  .option('--json', 'print the trends as JSON')
  .addHelpText(
    'after',
    '\nExamples:\n  nfvperf trend out/qs1 out/qs2 out/qs3 out/qs4 out/qs5 --html trend.html\n  nfvperf trend --db history.sqlite',
  )
  .action(async (dirs: string[], opts: { db?: string; json?: boolean; html?: string }) => {
    const { trendCommand } = await import('./commands/trend.js');
    process.exitCode = await trendCommand(dirs, opts);
  });

try {
  await program.parseAsync(process.argv);
} catch (e: unknown) {
  const commanderCode = (e as { code?: string }).code;
  if (typeof commanderCode === 'string' && commanderCode.startsWith('commander.')) {
    // commander has printed its message; help and version are not errors.
    process.exitCode = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(commanderCode)
      ? 0
      : 2;
  } else {
    // Plan diagnostics are printed bare (`file:line:col path: message`) so editors can jump to them.
    process.stderr.write(e instanceof PlanError ? `${e.message}\n` : `nfvperf: ${describeError(e)}\n`);
    process.exitCode = exitCodeOf(e);
  }
}
