// ort_check.js - onnxruntime as an independent judge of apsim's integer inference (docs/ONNX.md,
// "onnxruntime as a judge"). Runs the exported model (apsim export) in onnxruntime-node (CPU) on
// the Fashion-MNIST test images and compares its int32 logits with apsim's integer reference
// and its bit-exact AP run, both read from `apsim fmnist eval --dump FILE`.
// Usage: node ort_check.js MODEL.onnx DUMP.bin DATA_DIR [MIN_AGREEMENT_PCT]
// Exit: 0 when top-1 agreement with the reference and with the AP is at least the minimum
// (default 99.9%), 1 below it, 2 on a usage or input error.
'use strict';
const fs = require('fs');
const zlib = require('zlib');
const ort = require('onnxruntime-node');

function fail(msg) {
    console.error('ort_check: error: ' + msg);
    process.exit(2);
}

// IDX images (magic 0x00000803, big-endian counts), gzipped as Debian ships them; the same
// checks as fmnist/fmnist_data.c in short.
function readImages(path) {
    const b = zlib.gunzipSync(fs.readFileSync(path));
    if (b.length < 16 || b.readUInt32BE(0) !== 0x803) fail(path + ': not an IDX image file');
    const n = b.readUInt32BE(4), h = b.readUInt32BE(8), w = b.readUInt32BE(12);
    if (b.length !== 16 + n * h * w) fail(path + ': size does not match its header');
    return { n, h, w, pixels: b.subarray(16) };
}

// The dump of `apsim fmnist eval --dump` (docs/FMNIST.md): "APSIMLG\0", u32 version 1,
// u32 images, u32 classes, u32 AP images, labels (u8), reference logits, AP logits (int32 LE).
function readDump(path) {
    const b = fs.readFileSync(path);
    if (b.length < 24 || b.toString('latin1', 0, 8) !== 'APSIMLG\0' || b.readUInt32LE(8) !== 1)
        fail(path + ': not an apsim logits dump (version 1)');
    const n = b.readUInt32LE(12), k = b.readUInt32LE(16), nAp = b.readUInt32LE(20);
    const refAt = 24 + n, apAt = refAt + 4 * n * k;
    if (nAp > n || b.length !== apAt + 4 * nAp * k) fail(path + ': size does not match its header');
    const ints = (at, count) => Array.from({ length: count }, (_, i) => b.readInt32LE(at + 4 * i));
    return { n, k, nAp, labels: b.subarray(24, refAt), ref: ints(refAt, n * k), ap: ints(apAt, nAp * k) };
}

// Index of the largest value, the first on ties (fmnist_top's rule).
function top1(v, at, k) {
    let best = 0;
    for (let j = 1; j < k; j++) if (v[at + j] > v[at + best]) best = j;
    return best;
}

async function main() {
    const [modelPath, dumpPath, dataDir, minArg] = process.argv.slice(2);
    if (!modelPath || !dumpPath || !dataDir) fail('usage: node ort_check.js MODEL DUMP DATA_DIR [MIN_PCT]');
    const minPct = minArg ? Number(minArg) : 99.9;
    const d = readDump(dumpPath);
    const img = readImages(dataDir + '/t10k-images-idx3-ubyte.gz');
    if (img.n < d.n) fail('the dump has more images than ' + dataDir);
    const session = await ort.InferenceSession.create(modelPath, { executionProviders: ['cpu'] });
    const intOut = session.outputNames[1]; // the last layer's int32 accumulators
    const hw = img.h * img.w, x = new Float32Array(hw);
    const got = new Int32Array(d.n * d.k);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < d.n; i++) {
        // apsim's input: x = 2p/255 - 1 (fmnist_input); the model's QuantizeLinear makes it int8.
        for (let j = 0; j < hw; j++) x[j] = (2 * img.pixels[i * hw + j]) / 255 - 1;
        const r = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [1, 1, img.h, img.w]) });
        got.set(r[intOut].data, i * d.k);
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    // Agreement, accuracy and the largest logit difference (int32 LSBs) against one apsim run.
    const compare = (other, n) => {
        let agree = 0, correct = 0, maxLsb = 0, differ = 0, maxAbs = 0;
        for (let i = 0; i < n; i++) {
            agree += top1(got, i * d.k, d.k) === top1(other, i * d.k, d.k);
            correct += top1(other, i * d.k, d.k) === d.labels[i];
            let same = true;
            for (let j = 0; j < d.k; j++) {
                const diff = Math.abs(got[i * d.k + j] - other[i * d.k + j]);
                maxLsb = Math.max(maxLsb, diff);
                maxAbs = Math.max(maxAbs, Math.abs(other[i * d.k + j]));
                same = same && diff === 0;
            }
            differ += !same;
        }
        return { agree: (100 * agree) / n, acc: (100 * correct) / n, maxLsb, differ, maxAbs };
    };
    let ortCorrect = 0;
    for (let i = 0; i < d.n; i++) ortCorrect += top1(got, i * d.k, d.k) === d.labels[i];
    const vsRef = compare(d.ref, d.n), vsAp = compare(d.ap, d.nAp);
    const pct = (v) => v.toFixed(2) + '%';
    console.log(`onnxruntime-node ${require('onnxruntime-node/package.json').version} (CPU): ${d.n} images in ${seconds.toFixed(1)} s`);
    console.log(`accuracy: onnxruntime ${pct((100 * ortCorrect) / d.n)}, apsim reference ${pct(vsRef.acc)}` +
        (d.nAp > 0 ? `, apsim AP ${pct(vsAp.acc)} (first ${d.nAp})` : ''));
    console.log(`top-1 agreement onnxruntime vs reference: ${pct(vsRef.agree)} of ${d.n}; images with any differing logit: ${vsRef.differ}; largest logit difference: ${vsRef.maxLsb} LSB (largest logit magnitude ${vsRef.maxAbs})`);
    if (d.nAp > 0)
        console.log(`top-1 agreement onnxruntime vs AP: ${pct(vsAp.agree)} of ${d.nAp}; images with any differing logit: ${vsAp.differ}; largest logit difference: ${vsAp.maxLsb} LSB (largest logit magnitude ${vsAp.maxAbs})`);
    else console.log('no AP images in the dump: onnxruntime vs AP not compared');
    const ok = vsRef.agree >= minPct && (d.nAp === 0 || vsAp.agree >= minPct);
    console.log(ok ? `PASS (top-1 agreement >= ${minPct}%)` : `FAIL (top-1 agreement below ${minPct}%)`);
    process.exit(ok ? 0 : 1);
}

main().catch((e) => fail(e.message));
