/*
 * Native MuJoCo reference for `npm run bench -- sim`: replays the same stepping protocol as the WASM
 * loops (bench/sim.ts writes it) through the system's libmujoco (Debian's libmujoco-dev, MuJoCo 2.2.2)
 * and prints one JSON line per timed pass.
 *
 * usage: step MODEL.xml PROTOCOL.bin WARMUP_PASSES TIMED_PASSES
 *
 * PROTOCOL.bin is little-endian float64: a header [version = 1, nu, env_steps, frame_skip], then one row
 * per env step [reset_flag, ctrl_0 .. ctrl_{nu-1}]. A pass calls mj_resetData where reset_flag != 0,
 * copies the row's ctrl into d->ctrl and calls mj_step frame_skip times. Only the pass is timed (not the
 * model load), with CLOCK_MONOTONIC.
 *
 * stdout: {"mujoco":"2.2.2"} then {"seconds":S,"physicsSteps":N,"badqacc":W} per timed pass (W: bad-qacc
 * warnings summed over the pass's episodes).
 * Exit codes: 2 usage or protocol file error, 3 the model does not load (MuJoCo's message on stderr).
 */
#include <mujoco/mujoco.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double* read_protocol(const char* path, long* count) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  if (fseek(f, 0, SEEK_END) != 0) {
    fclose(f);
    return NULL;
  }
  long bytes = ftell(f);
  rewind(f);
  if (bytes <= 0 || bytes % (long)sizeof(double) != 0) {
    fclose(f);
    return NULL;
  }
  double* buf = malloc((size_t)bytes);
  if (!buf || fread(buf, 1, (size_t)bytes, f) != (size_t)bytes) {
    free(buf);
    fclose(f);
    return NULL;
  }
  fclose(f);
  *count = bytes / (long)sizeof(double);
  return buf;
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s MODEL.xml PROTOCOL.bin WARMUP_PASSES TIMED_PASSES\n", argv[0]);
    return 2;
  }
  const int warmup = atoi(argv[3]);
  const int timed = atoi(argv[4]);
  if (warmup < 0 || timed < 1) {
    fprintf(stderr, "step: WARMUP_PASSES must be >= 0 and TIMED_PASSES >= 1, got %s and %s\n", argv[3], argv[4]);
    return 2;
  }

  long count = 0;
  double* proto = read_protocol(argv[2], &count);
  if (!proto || count < 4 || proto[0] != 1.0) {
    fprintf(stderr, "step: %s: not a version-1 protocol file (float64 header [1, nu, steps, frame_skip])\n",
            argv[2]);
    free(proto);
    return 2;
  }
  const int nu = (int)proto[1];
  const long steps = (long)proto[2];
  const int frame_skip = (int)proto[3];
  const long row = 1 + nu;
  if (nu < 0 || steps < 1 || frame_skip < 1 || count != 4 + steps * row) {
    fprintf(stderr, "step: %s: header says nu=%d steps=%ld frame_skip=%d, which needs %ld values, file has %ld\n",
            argv[2], nu, steps, frame_skip, 4 + steps * row, count);
    free(proto);
    return 2;
  }

  char error[1000] = "";
  mjModel* m = mj_loadXML(argv[1], NULL, error, sizeof(error));
  if (!m) {
    fprintf(stderr, "%s\n", error);
    free(proto);
    return 3;
  }
  if (m->nu != nu) {
    fprintf(stderr, "step: %s has nu=%d but the protocol was written for nu=%d\n", argv[1], m->nu, nu);
    mj_deleteModel(m);
    free(proto);
    return 2;
  }
  mjData* d = mj_makeData(m);
  printf("{\"mujoco\":\"%s\"}\n", mj_versionString());

  const double* rows = proto + 4;
  for (int pass = 0; pass < warmup + timed; pass++) {
    int badqacc = 0;
    mj_resetData(m, d);
    const double t0 = now_seconds();
    for (long t = 0; t < steps; t++) {
      const double* r = rows + t * row;
      if (r[0] != 0.0) {
        badqacc += d->warning[mjWARN_BADQACC].number;
        mj_resetData(m, d);
      }
      memcpy(d->ctrl, r + 1, sizeof(mjtNum) * (size_t)nu);
      for (int k = 0; k < frame_skip; k++) mj_step(m, d);
    }
    const double seconds = now_seconds() - t0;
    badqacc += d->warning[mjWARN_BADQACC].number;
    if (pass >= warmup) {
      printf("{\"seconds\":%.9f,\"physicsSteps\":%ld,\"badqacc\":%d}\n", seconds, steps * frame_skip, badqacc);
    }
  }
  fflush(stdout);

  mj_deleteData(d);
  mj_deleteModel(m);
  free(proto);
  return 0;
}
