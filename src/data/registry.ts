/**
 * DATASETS: the declarative index of every data set the kit knows (guide principle 4).
 *
 * Each entry is typed data: provenance (homepage, licence, citation, completeness), the files
 * with their official or pinned-sample URL, sha256 and size, and a loader spec naming the row
 * format and which files make up which split. Checksums of the samples were computed with
 * `sha256sum` on `../shared/data`; full-size sets whose checksum is not known here carry
 * `sha256: null` and are pinned trust-on-first-use in the download cache (see fetch.ts).
 * Entries with `loader: null` register files (and checksums) for loaders still to come, or for
 * the graph and feedback-log readers their `graph` / `feedback` field names.
 */
import { checkDatasetId } from "./ids";
import { DataError } from "./errors";
import { AVAZU_FORMAT } from "./loaders/avazu";
import { CENSUS_FORMAT, censusDerive } from "./loaders/census";
import type { DeriveSpec } from "./loaders/derived";
import { TAOBAO_FORMAT, taobaoDerive } from "./loaders/taobao";
import { CRITEO_FORMAT } from "./loaders/criteo";
import { FRAPPE_FORMAT } from "./loaders/frappe";
import { MOVIELENS_100K_FORMAT, MOVIELENS_1M_FORMAT } from "./loaders/movielens";
import {
  ALI_CCP_FORMAT,
  DOUBAN_FORMAT,
  KUAIRAND_1K_FORMAT,
  KUAIRAND_JOINED_FORMAT,
} from "./loaders/scenario";
import type { NumericTransform, RowFormat } from "./loaders/types";
import type { GraphLoaderSpec } from "./graph";

/** One file of a data set. */
export interface DataFileSpec {
  /** Role of the file inside the data set ("train", "dev", "ratings", ...). */
  name: string;
  /** Path relative to the data set's folder in a mirror or the cache. */
  path: string;
  /** Official download, or for samples the raw GitHub URL of the pinned commit. */
  url: string;
  /** Expected sha256 (hex); null = not pinned here (recorded on first use, trust-on-first-use). */
  sha256: string | null;
  /** Size in bytes, when known. */
  bytes: number | null;
  /** Set when the file cannot be downloaded automatically; says what to do instead. */
  manual?: string;
  /** For archives: the member the loader reads (tar or tar.gz), streamed without unpacking. */
  tarMember?: string;
  /**
   * For files published inside a zip (`url` is the zip's): when the file is in neither the mirror
   * nor the cache unpacked, the zip `path` (mirror, cache or `url`) is resolved and `member` is
   * extracted into the cache as this file. `sha256` pins the zip (else trust-on-first-use).
   */
  archive?: { path: string; member: string; sha256?: string | null };
}

/** A train/valid/test re-split: exact sizes, rows assigned uniformly at random by a seeded draw. */
export interface ResplitOptions {
  /** Fractions for train, valid, test; normalised to sum 1. */
  ratios: [number, number, number];
  /** Seed of the assignment. */
  seed: number;
}

/** Preprocessing defaults a data set may override (see LoadOptions for meanings). */
export interface LoaderDefaults {
  minCount?: number;
  numericTransform?: NumericTransform;
}

/** How the generic pipeline reads a data set. */
export interface LoaderSpec {
  /** Row format of the data files. */
  format: RowFormat;
  /** File names (DataFileSpec.name) per split, read in order. */
  splits: { train: string[]; valid: string[]; test: string[] };
  /** File names of side tables the format joins rows with (users, movies...); see FormatOptions.side. */
  side?: string[];
  /** When set, the split files are concatenated and re-split this way unless the caller says otherwise. */
  defaultResplit?: ResplitOptions;
  /** Preprocessing defaults for this data set. */
  defaults?: LoaderDefaults;
  /**
   * A whole-file step run before the pipeline (loaders/derived.ts): it reads `derive.sources`
   * and writes `derive.outputs`, the file names `splits` then refers to (cached, fingerprinted).
   */
  derive?: DeriveSpec;
}

export interface DatasetEntry {
  /** Id used by `loadDataset`; matches /^[a-z0-9][a-z0-9._-]*$/ and never contains "..". */
  id: string;
  /**
   * Folder of the files in a mirror and in the download cache when it is not the id (several
   * entries drawn from one upstream sample folder, e.g. "scenario-wise-samples"); same rules as ids.
   */
  folder?: string;
  title: string;
  homepage: string;
  /** Licence or terms of use, in one paragraph. */
  licence: string;
  citation: string;
  /** True when the files are the complete published data set. */
  complete: boolean;
  /** Completeness, provenance and preprocessing notes. */
  notes: string;
  files: DataFileSpec[];
  /** Null: no tabular-pipeline loader (files registered for one to come, or read by `graph` / `feedback`). */
  loader: LoaderSpec | null;
  /**
   * A registered sample of the same data (same loader) that stands in for this entry when its files
   * are absent and `RECREPRO_STAND_IN=1` (the paper profile's code path in CI, on local samples).
   */
  standIn?: string;
  /** Multi-behaviour interaction graph files (src/data/graph.ts `loadMultiBehaviour`), for graph / top-K papers. */
  graph?: GraphLoaderSpec;
  /**
   * Set for click / unclick event logs read by src/data/feedback.ts rather than the tabular
   * pipeline (TEM4CTR's official sets): the name of the reader (`data.<reader>(id, opts)`, a
   * `FeedbackLog`). `loadDataset` refuses such an entry and names the reader.
   */
  feedback?: { reader: string };
}

const gh = (repo: string, commit: string, p: string): string =>
  `https://github.com/${repo}/raw/${commit}/${p}`;
const WIDE_RESDNN = "Lapis-Hong/Wide-ResDNN";
const WIDE_RESDNN_COMMIT = "9889f939deb9";
const NFM = "hexiangnan/neural_factorization_machine";
const NFM_COMMIT = "fa207e0dd26a503fff81ae0869549d2f95a2aafd";
const ML100K = "Raffaello/scala-spark-movie-demo";
const ML100K_COMMIT = "7af16a4ee23e";
const ML1M_USERS = "MichaelND/Movies-Recommender";
const ML1M_USERS_COMMIT = "b2c828e8d3a0";
const SWR = "Xiaopengli1/Scenario-Wise-Rec";
const SWR_COMMIT = "167ea862b523";
const RECHUB = "datawhalechina/torch-rechub";
const RECHUB_COMMIT = "5a73b2eebc3a";
const KUAIRAND_TERMS = "KuaiRand: CC BY-SA 4.0 (kuairand.com).";
const KUAIRAND_CITE =
  "C. Gao, S. Li, Y. Zhang, J. Chen, B. Li, W. Lei, P. Jiang, X. He. KuaiRand: An Unbiased Sequential Recommendation Dataset with Randomly Exposed Videos. CIKM 2022.";
const ALI_CCP_TERMS =
  "Alibaba Tianchi research-use terms (dataset 408): non-commercial, cite the source, no redistribution.";
const ALI_CCP_CITE =
  "X. Ma, L. Zhao, G. Huang, Z. Wang, Z. Hu, X. Zhu, K. Gai. Entire Space Multi-Task Model: An Effective Approach for Estimating Post-Click Conversion Rate. SIGIR 2018.";
const KUAIRAND_1K_URL = "https://zenodo.org/records/10439422/files/KuaiRand-1K.tar.gz";

const CRITEO_TERMS =
  "Criteo's release terms for the Kaggle Display Advertising Challenge data: research / non-commercial use, no redistribution (the related Criteo 1TB logs are CC BY-NC-SA 4.0).";
const CRITEO_CITE =
  "Criteo Labs (2014). Display Advertising Challenge. Kaggle. https://www.kaggle.com/c/criteo-display-ad-challenge";
const AVAZU_TERMS =
  "Kaggle competition data rules for Avazu CTR Prediction: non-commercial / research use, no redistribution.";
const AVAZU_CITE =
  "Avazu (2014). Click-Through Rate Prediction. Kaggle. https://www.kaggle.com/c/avazu-ctr-prediction";
const GROUPLENS_TERMS =
  "GroupLens usage licence (README in the data folder): research use only, acknowledge use, no endorsement, no redistribution without separate permission, no commercial use.";
const ML_CITE =
  "F. Maxwell Harper and Joseph A. Konstan. 2015. The MovieLens Datasets: History and Context. ACM TiiS 5(4), 19:1-19:19.";

const SAMPLE_SPLITS = { train: ["train"], valid: ["dev"], test: ["test"] };
/** HAMUR's MovieLens split: random 8:1:1, seed 2022 (HAMUR's seed). */
const HAMUR_RESPLIT: ResplitOptions = { ratios: [0.8, 0.1, 0.1], seed: 2022 };
const MOVIELENS_NOTES =
  'Loader (src/data/loaders/movielens.ts): the HAMUR multi-domain set-up. Ratings joined with users and movies; label click = rating > 3; categorical user_id, movie_id, gender, occupation, zip, cate_id (first genre), domain; numeric age (min-max over the users table); group axis "domain" by load option domainBy: "age" (default; {1,18} / {25} / {35,45,50,56}), "gender" or "occupation" (4 groups). Random 8:1:1 re-split, seed 2022.';

const MBCGCN = "SS-00-SS/MBCGCN";
const MBCGCN_COMMIT = "931f9c103817";
const GHCF = "chenchongthu/GHCF";
const GHCF_COMMIT = "5ca2d693410c";
const MBGMN = "akaxlh/MB-GMN";
const MBGMN_COMMIT = "03e1c69aaade82d83913e86bbfc1bd24fa38d6a2";
const MBGMN_CITE =
  "L. Xia, Y. Xu, C. Huang, P. Dai, L. Bo. Graph Meta Network for Multi-Behavior Recommendation. SIGIR 2021. Used by CIGF: W. Guo, C. Meng, E. Yuan, Z. He, H. Guo, Y. Zhang, B. Chen, Y. Hu, R. Tang, X. Li, R. Zhang. Compressed Interaction Graph based Framework for Multi-behavior Recommendation. WWW 2023.";
const MBGMN_CONVERT =
  'the official files are Python pickles of scipy sparse matrices (trn_<behaviour>: users x items; tst_int: per-user held-out item or None); convert each once with `python3 data/convert_mbgmn.py <folder>` (scipy), which writes <behaviour>.txt ("user item item ..." lines) and test.txt ("user item") next to them, then place the folder at <mirror>/<id>/ or <cache>/<id>/';
const mbgmnFiles = (folder: string, behaviours: string[]): DataFileSpec[] => [
  ...behaviours.map((b) => ({
    name: b,
    path: `${b}.txt`,
    url: gh(MBGMN, MBGMN_COMMIT, `Datasets/${folder}/trn_${b}`),
    sha256: null,
    bytes: null,
    manual: `download Datasets/${folder}/trn_${b} from github.com/${MBGMN}; ${MBGMN_CONVERT}`,
  })),
  {
    name: "test",
    path: "test.txt",
    url: gh(MBGMN, MBGMN_COMMIT, `Datasets/${folder}/tst_int`),
    sha256: null,
    bytes: null,
    manual: `download Datasets/${folder}/tst_int from github.com/${MBGMN}; ${MBGMN_CONVERT}`,
  },
];
const mbgmnGraph = (behaviours: string[]): GraphLoaderSpec => ({
  behaviours: behaviours.map((b) => [b, b] as [string, string]),
  test: "test",
});

export const DATASETS: readonly DatasetEntry[] = [
  {
    id: "criteo-8k",
    title: "Criteo Display Advertising Challenge: 8,000-row raw sample (train/dev/test)",
    homepage: "https://ailab.criteo.com/ressources/",
    licence: CRITEO_TERMS,
    citation: CRITEO_CITE,
    complete: false,
    notes:
      "8,000 labelled rows of the 45.8M in Kaggle train.txt, split 7,200/409/391 by the Wide-ResDNN author (github.com/Lapis-Hong/Wide-ResDNN, data/criteo/*.csv, renamed .tsv). Sample: AUC differences below ~0.02 are noise.",
    files: [
      {
        name: "train",
        path: "train.tsv",
        url: gh(WIDE_RESDNN, WIDE_RESDNN_COMMIT, "data/criteo/train.csv"),
        sha256: "2b0614035f6c931dc4ac2c1a1a26fa954f2b9231703f3a77bcdd53d9d9f29872",
        bytes: 1744474,
      },
      {
        name: "dev",
        path: "dev.tsv",
        url: gh(WIDE_RESDNN, WIDE_RESDNN_COMMIT, "data/criteo/dev.csv"),
        sha256: "7ac8a164e43a9903be3d43e640bcd464cfa0d96d7a652ec8ef8a33fe97cac6b9",
        bytes: 98922,
      },
      {
        name: "test",
        path: "test.tsv",
        url: gh(WIDE_RESDNN, WIDE_RESDNN_COMMIT, "data/criteo/test.csv"),
        sha256: "3a7a78b694945482aede520e68300b0e2748603363072822cfbbb9f72d0dfd9a",
        bytes: 95122,
      },
    ],
    loader: { format: CRITEO_FORMAT, splits: SAMPLE_SPLITS, defaults: { minCount: 2 } },
  },
  {
    id: "avazu-9k",
    title: "Avazu CTR Prediction: 9,000-row raw sample (train/dev/test)",
    homepage: "https://www.kaggle.com/c/avazu-ctr-prediction",
    licence: AVAZU_TERMS,
    citation: AVAZU_CITE,
    complete: false,
    notes:
      "9,000 rows of the first hour (14102100) of the 40.4M-row Avazu train set, split 8,087/480/432 (github.com/Lapis-Hong/Wide-ResDNN, data/avazu/*.csv). Only train.csv has a header. All rows share one hour, so hour_of_day and weekday are constant here.",
    files: [
      {
        name: "train",
        path: "train.csv",
        url: gh(WIDE_RESDNN, WIDE_RESDNN_COMMIT, "data/avazu/train.csv"),
        sha256: "49fb8cdcadfd9030a6fcb8cd97fe8205d94b84723ee8292e229d741ce1362e4f",
        bytes: 1253029,
      },
      {
        name: "dev",
        path: "dev.csv",
        url: gh(WIDE_RESDNN, WIDE_RESDNN_COMMIT, "data/avazu/dev.csv"),
        sha256: "1dbd14ef356202a106766d175ab20dfa182838c8cf77e6b018dd18df05c7e757",
        bytes: 74359,
      },
      {
        name: "test",
        path: "test.csv",
        url: gh(WIDE_RESDNN, WIDE_RESDNN_COMMIT, "data/avazu/test.csv"),
        sha256: "9c81e37b0766fb1daa430706c0c8188046e6daf6a295ab667687d87dada32f35",
        bytes: 66976,
      },
    ],
    loader: { format: AVAZU_FORMAT, splits: SAMPLE_SPLITS, defaults: { minCount: 2 } },
  },
  {
    id: "frappe-nfm",
    title: "Frappe app-usage CTR (NFM libFM version): validation + test splits, 86,582 rows",
    homepage: "https://github.com/hexiangnan/neural_factorization_machine",
    licence:
      "Frappe terms (README.txt): research use only, cite the Frappe paper, no redistribution without permission, no de-anonymisation, no commercial use.",
    citation:
      "L. Baltrunas, K. Church, A. Karatzoglou, N. Oliver. Frappe: Understanding the Usage and Perception of Mobile App Recommendations In-The-Wild. arXiv:1505.03014, 2015. Preprocessed by X. He and T.-S. Chua, Neural Factorization Machines for Sparse Predictive Analytics, SIGIR 2017.",
    complete: false,
    notes:
      "2 of the 3 NFM / BARS Frappe_x1 splits (57,722 + 28,860 rows; frappe.train.libfm, 202,027 rows, is missing). Negatives are sampled (2 per logged positive). The loader concatenates both files and re-splits 70/20/10 (the BARS ratios) with seed 2017 by default.",
    files: [
      {
        name: "validation",
        path: "frappe.validation.libfm",
        url: gh(NFM, NFM_COMMIT, "data/frappe/frappe.validation.libfm"),
        sha256: "fdf4be563a7dd9b15f7a6e8b32671e90e6e7a2a2bd3af4e10bf13c5ad7e76e9e",
        bytes: 4163044,
      },
      {
        name: "test",
        path: "frappe.test.libfm",
        url: gh(NFM, NFM_COMMIT, "data/frappe/frappe.test.libfm"),
        sha256: "a2ebaef3a9af8e55f8bb0d08bc4923965e42e43760ebd7635ac2f8c5db99e097",
        bytes: 2081389,
      },
      {
        name: "readme",
        path: "README.txt",
        url: gh(NFM, NFM_COMMIT, "data/frappe/README.txt"),
        sha256: "8ece0e428ba5c1879f2cf298aa65ab5c6c092d5c9716c8a4d5c4ee209dfdc6e7",
        bytes: 2347,
      },
    ],
    loader: {
      format: FRAPPE_FORMAT,
      splits: { train: ["validation", "test"], valid: [], test: [] },
      defaultResplit: { ratios: [0.7, 0.2, 0.1], seed: 2017 },
      defaults: { minCount: 1 },
    },
  },
  {
    id: "criteo-kaggle",
    standIn: "criteo-8k",
    title: "Criteo Display Advertising Challenge: full Kaggle train.txt (45,840,617 rows)",
    homepage: "https://ailab.criteo.com/ressources/",
    licence: CRITEO_TERMS,
    citation: CRITEO_CITE,
    complete: true,
    notes:
      "Checksum NOT pinned here: the first verified copy's sha256 is recorded in <cache>/<id>/checksums.json (trust-on-first-use) and every later use must match it. train.txt is streamed out of the official tar.gz (no unpacking). The test.txt of the archive has no labels, so train.txt is re-split 80/10/10 with seed 2018 (FuxiCTR Criteo_x4 ratios; not the x4 row assignment). Default minCount 10 as in FuxiCTR Criteo_x4_10.",
    files: [
      {
        name: "archive",
        path: "criteo-research-kaggle-display-advertising-challenge-dataset.tar.gz",
        url: "https://go.criteo.net/criteo-research-kaggle-display-advertising-challenge-dataset.tar.gz",
        sha256: null,
        bytes: null,
        tarMember: "train.txt",
      },
    ],
    loader: {
      format: CRITEO_FORMAT,
      splits: { train: ["archive"], valid: [], test: [] },
      defaultResplit: { ratios: [0.8, 0.1, 0.1], seed: 2018 },
      defaults: { minCount: 10 },
    },
  },
  {
    id: "avazu-kaggle",
    standIn: "avazu-9k",
    title: "Avazu CTR Prediction: full Kaggle train (40,428,967 rows, 10 days)",
    homepage: "https://www.kaggle.com/c/avazu-ctr-prediction",
    licence: AVAZU_TERMS,
    citation: AVAZU_CITE,
    complete: true,
    notes:
      "Checksum NOT pinned here (trust-on-first-use, recorded in <cache>/<id>/checksums.json). The Kaggle test file has no labels, so train is re-split 80/10/10 with seed 2018 (FuxiCTR Avazu_x4 ratios; not its row assignment). Default minCount 2 as in FuxiCTR Avazu_x4_002.",
    files: [
      {
        name: "train",
        path: "train.gz",
        url: "https://www.kaggle.com/c/avazu-ctr-prediction/data",
        sha256: null,
        bytes: null,
        manual:
          "Kaggle requires signing in and accepting the competition rules: download train.gz from https://www.kaggle.com/c/avazu-ctr-prediction/data and place it at <mirror>/avazu-kaggle/train.gz or <cache>/avazu-kaggle/train.gz",
      },
    ],
    loader: {
      format: AVAZU_FORMAT,
      splits: { train: ["train"], valid: [], test: [] },
      defaultResplit: { ratios: [0.8, 0.1, 0.1], seed: 2018 },
      defaults: { minCount: 2 },
    },
  },
  {
    id: "movielens-100k",
    title: "MovieLens 100K (ml-100k): 100,000 ratings, users, items, genres",
    homepage: "https://grouplens.org/datasets/movielens/100k/",
    licence: GROUPLENS_TERMS,
    citation: ML_CITE,
    complete: true,
    notes:
      "Byte-identical copy of the GroupLens release (github.com/Raffaello/scala-spark-movie-demo, ml-100k/); the official download is the zip https://files.grouplens.org/datasets/movielens/ml-100k.zip. u1..u5/ua/ub split files not registered (regenerate from u.data). Integer ages are bucketed onto the ml-1m age codes for the age domains (the numeric feature keeps the raw age). " +
      MOVIELENS_NOTES,
    files: [
      {
        name: "ratings",
        path: "u.data",
        url: gh(ML100K, ML100K_COMMIT, "ml-100k/u.data"),
        sha256: "06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490",
        bytes: 1979173,
      },
      {
        name: "users",
        path: "u.user",
        url: gh(ML100K, ML100K_COMMIT, "ml-100k/u.user"),
        sha256: "f120e114da2e8cf314fd28f99417c94ae9ddf1cb6db8ce0e4b5995d40e90e62c",
        bytes: 22628,
      },
      {
        name: "items",
        path: "u.item",
        url: gh(ML100K, ML100K_COMMIT, "ml-100k/u.item"),
        sha256: "553841ebc7de3a0fd0d6b62a204ea30c1e651aacfb2814c7a6584ac52f2c5701",
        bytes: 236344,
      },
      {
        name: "genres",
        path: "u.genre",
        url: gh(ML100K, ML100K_COMMIT, "ml-100k/u.genre"),
        sha256: "9757e0d3e6b298159a80dd48eaf938114690e911e39af97a76949ef1663610bb",
        bytes: 202,
      },
      {
        name: "occupations",
        path: "u.occupation",
        url: gh(ML100K, ML100K_COMMIT, "ml-100k/u.occupation"),
        sha256: "cd5fbec9afe345d993a62fc7817df1a4a9079c4feb267b3118763b8fd942137d",
        bytes: 193,
      },
      {
        name: "info",
        path: "u.info",
        url: gh(ML100K, ML100K_COMMIT, "ml-100k/u.info"),
        sha256: "5b0a40b2e47a729ee6203063f6dcf8790c2e63f5a18663e6ee318a72c5f3c27b",
        bytes: 36,
      },
      {
        name: "readme",
        path: "README",
        url: gh(ML100K, ML100K_COMMIT, "ml-100k/README"),
        sha256: "4883b8cf340ed0059971b33f56ad3adc88a40792108ebca3d24aafc4c82e8b52",
        bytes: 6750,
      },
    ],
    loader: {
      format: MOVIELENS_100K_FORMAT,
      splits: { train: ["ratings"], valid: [], test: [] },
      side: ["users", "items"],
      defaultResplit: HAMUR_RESPLIT,
      defaults: { minCount: 1 },
    },
  },
  {
    id: "movielens-1m-subset",
    title: "MovieLens 1M: 100,000-rating random subset + complete users and movies",
    homepage: "https://grouplens.org/datasets/movielens/1m/",
    licence: GROUPLENS_TERMS,
    citation: ML_CITE,
    complete: false,
    notes:
      "ratings_sample_100k.dat is LibRecommender's 100k random subset of ml-1m ratings.dat (~10%); users.dat/movies.dat are complete. users.dat line 1 was restored from '0::F::...' to '1::F::...' (see SOURCE.md), so its checksum differs from the upstream copy and it is mirror-only. " +
      MOVIELENS_NOTES,
    files: [
      {
        name: "ratings",
        path: "ratings_sample_100k.dat",
        url: gh(
          "massquantity/LibRecommender",
          "7463d9d084bf",
          "examples/sample_data/sample_movielens_rating.dat",
        ),
        sha256: "734d8519445bcf4639f9709e56a700bbef7514bf12902620ca068aa63dcd93e8",
        bytes: 2458958,
      },
      {
        name: "users",
        path: "users.dat",
        url: gh(ML1M_USERS, ML1M_USERS_COMMIT, "ml-1m/users.dat"),
        sha256: "1dc3a95300cb19f7c10e027daf29b8cdf1d908dab65b5edfb45950aa389a10a3",
        bytes: 134368,
        manual:
          "the upstream copy has a corrupted first line (user id 0); use the corrected file from the shared mirror, or take users.dat from the official ml-1m.zip",
      },
      {
        name: "movies",
        path: "movies.dat",
        url: gh(ML1M_USERS, ML1M_USERS_COMMIT, "ml-1m/movies.dat"),
        sha256: "12d56985213881321ac5e64c82d7c926a1333f9b10003974144763f073aeeb4e",
        bytes: 171370,
      },
      {
        name: "readme",
        path: "README",
        url: gh(ML1M_USERS, ML1M_USERS_COMMIT, "ml-1m/README"),
        sha256: "9c8e83777f3a5b20efd7b93e66f75b19f79a7b6d000832dd0632c29c6ef06cab",
        bytes: 5189,
      },
    ],
    loader: {
      format: MOVIELENS_1M_FORMAT,
      splits: { train: ["ratings"], valid: [], test: [] },
      side: ["users", "movies"],
      defaultResplit: HAMUR_RESPLIT,
      defaults: { minCount: 1 },
    },
  },
  {
    id: "movielens-1m",
    standIn: "movielens-1m-subset",
    title: "MovieLens 1M (ml-1m): 1,000,209 ratings, 6,040 users, 3,883 movies",
    homepage: "https://grouplens.org/datasets/movielens/1m/",
    licence: GROUPLENS_TERMS,
    citation: ML_CITE,
    complete: true,
    notes:
      "Checksums NOT pinned here (trust-on-first-use, recorded in <cache>/movielens-1m/checksums.json, for the zip and for each extracted file). Files are taken unpacked from <mirror>/movielens-1m/{ratings,users,movies}.dat or the cache when present; otherwise the official zip https://files.grouplens.org/datasets/movielens/ml-1m.zip (mirror, cache or download) is opened and ml-1m/<file>.dat extracted into the cache (src/data/zip.ts, CRC-checked). Domain sizes with domainBy age (Scenario-Wise-Rec README): 210,747 / 395,556 / 393,906. " +
      MOVIELENS_NOTES,
    files: (["ratings", "users", "movies"] as const).map((n) => ({
      name: n,
      path: `${n}.dat`,
      url: "https://files.grouplens.org/datasets/movielens/ml-1m.zip",
      sha256: null,
      bytes: null,
      archive: { path: "ml-1m.zip", member: `ml-1m/${n}.dat` },
    })),
    loader: {
      format: MOVIELENS_1M_FORMAT,
      splits: { train: ["ratings"], valid: [], test: [] },
      side: ["users", "movies"],
      defaultResplit: HAMUR_RESPLIT,
      defaults: { minCount: 1 },
    },
  },
  {
    id: "kuairand-sample",
    folder: "scenario-wise-samples",
    title: "KuaiRand-1K: 200-row joined sample (Scenario-Wise-Rec), multi-scenario by tab",
    homepage: "https://kuairand.com/",
    licence: KUAIRAND_TERMS,
    citation: KUAIRAND_CITE,
    complete: false,
    notes:
      "200 rows of the KuaiRand-1K log joined with user and video features (github.com/Xiaopengli1/Scenario-Wise-Rec, scripts/data/kuairand/kuairand_sample.csv). Every row has tab 1, so only domain tab1 is populated: a format reference, too small to train. Loader: label is_click, domain = tab with tabs {0,1,2,3,6} kept (HierRec), features as HierRec (src/data/loaders/scenario.ts); random 8:1:1 re-split, seed 2022 (HierRec splits sequentially).",
    files: [
      {
        name: "log",
        path: "kuairand/kuairand_sample.csv",
        url: gh(SWR, SWR_COMMIT, "scripts/data/kuairand/kuairand_sample.csv"),
        sha256: "cfac9ecc7eb106487625b3805fad73b8962eed0da364a8cd810d4684d79e9401",
        bytes: 27472,
      },
    ],
    loader: {
      format: KUAIRAND_JOINED_FORMAT,
      splits: { train: ["log"], valid: [], test: [] },
      defaultResplit: HAMUR_RESPLIT,
      defaults: { minCount: 1 },
    },
  },
  {
    id: "douban-sample",
    folder: "scenario-wise-samples",
    title: "Douban music/book/movie: 3,000-row multi-domain sample (Scenario-Wise-Rec)",
    homepage: "https://github.com/Xiaopengli1/Scenario-Wise-Rec",
    licence: "Douban data as redistributed by Scenario-Wise-Rec (MIT code; the data are for research use).",
    citation:
      "X. Li et al. Scenario-Wise Rec: A Multi-Scenario Recommendation Benchmark. arXiv:2412.17374, 2024.",
    complete: false,
    notes:
      "3,000 rows (github.com/Xiaopengli1/Scenario-Wise-Rec, scripts/data/douban/douban_sample.csv). Loader: label rating (0/1), domain music/book/movie -> 0/1/2, features user_id, item_id, living_place, time_bin, domain; random 8:1:1 re-split, seed 2022.",
    files: [
      {
        name: "log",
        path: "douban/douban_sample.csv",
        url: gh(SWR, SWR_COMMIT, "scripts/data/douban/douban_sample.csv"),
        sha256: "fea6d8659df1eff13912a79e2315b589560f38ac53d89fba649a8cd865afab5c",
        bytes: 135209,
      },
    ],
    loader: {
      format: DOUBAN_FORMAT,
      splits: { train: ["log"], valid: [], test: [] },
      defaultResplit: HAMUR_RESPLIT,
      defaults: { minCount: 1 },
    },
  },
  {
    id: "ali-ccp-sample",
    folder: "rechub-samples",
    title: "Ali-CCP (torch-rechub preprocessing): 100/50/50-row train/val/test sample",
    homepage: "https://tianchi.aliyun.com/dataset/408",
    licence: ALI_CCP_TERMS,
    citation: ALI_CCP_CITE,
    complete: false,
    notes:
      "torch-rechub's Ali-CCP samples (examples/ranking/data/ali-ccp/, byte-identical in HAMUR). Every row has 301 = 1, so only domain 0 is populated: a format reference, too small to train. Loader: labels click and purchase, domain = column 301 (feature \"domain\"), 22 sparse + 8 dense columns; the files' own train/val/test splits.",
    files: (["train", "val", "test"] as const).map((n) => {
      const meta = {
        train: ["1c1d125bcdfca70c8f5ed24f6221acadab3e19b70e0b06b3eb3adb2af7a0f9b5", 10450],
        val: ["1236e1504b76bf7ceb48dbe3d999ae8b49f61fcda2d684578320fd9fc7821104", 5396],
        test: ["9764a9b8e53b25f85c00e08a89f65ecfadab100cb0834161bd7ef671b7702a09", 5432],
      }[n];
      return {
        name: n,
        path: `ali-ccp/ali_ccp_${n}_sample.csv`,
        url: gh(RECHUB, RECHUB_COMMIT, `examples/ranking/data/ali-ccp/ali_ccp_${n}_sample.csv`),
        sha256: meta[0] as string,
        bytes: meta[1] as number,
      };
    }),
    loader: {
      format: ALI_CCP_FORMAT,
      splits: { train: ["train"], valid: ["val"], test: ["test"] },
      defaults: { minCount: 1 },
    },
  },
  {
    id: "kuairand-1k",
    standIn: "kuairand-sample",
    title: "KuaiRand-1K: standard logs (11.7M interactions, 1,000 users) with user and video features",
    homepage: "https://kuairand.com/",
    licence: KUAIRAND_TERMS,
    citation: KUAIRAND_CITE,
    complete: true,
    notes:
      "Checksums NOT pinned here (trust-on-first-use, recorded in <cache>/kuairand-1k/checksums.json). Manual download: KuaiRand-1K.tar.gz (zenodo record 10439422), unpacked; the two standard logs are the rows (the random-exposure log is not used), joined with user_features_1k.csv and video_features_basic_1k.csv. Loader as kuairand-sample (HierRec tabs {0,1,2,3,6}; rows of other tabs filtered); random 8:1:1 re-split, seed 2022 (HierRec splits sequentially in file order). Holds ~4.4M video ids in memory while loading.",
    files: [
      ["log_early", "log_standard_4_08_to_4_21_1k.csv"],
      ["log_late", "log_standard_4_22_to_5_08_1k.csv"],
      ["users", "user_features_1k.csv"],
      ["videos", "video_features_basic_1k.csv"],
    ].map(([name, file]) => ({
      name,
      path: file,
      url: KUAIRAND_1K_URL,
      sha256: null,
      bytes: null,
      manual: `download ${KUAIRAND_1K_URL} (CC BY-SA 4.0), unpack it and place KuaiRand-1K/data/${file} at <mirror>/kuairand-1k/${file} or <cache>/kuairand-1k/${file}`,
    })),
    loader: {
      format: KUAIRAND_1K_FORMAT,
      splits: { train: ["log_early", "log_late"], valid: [], test: [] },
      side: ["users", "videos"],
      defaultResplit: HAMUR_RESPLIT,
      defaults: { minCount: 1 },
    },
  },
  {
    id: "ali-ccp",
    standIn: "ali-ccp-sample",
    title: "Ali-CCP (Tianchi 408) as preprocessed by torch-rechub / HAMUR: train/val/test csv",
    homepage: "https://tianchi.aliyun.com/dataset/408",
    licence: ALI_CCP_TERMS,
    citation: ALI_CCP_CITE,
    complete: true,
    notes:
      "Checksums NOT pinned here (trust-on-first-use, recorded in <cache>/ali-ccp/checksums.json). Manual: Tianchi requires signing in; download the Ali-CCP release from https://tianchi.aliyun.com/dataset/408 and run torch-rechub's Ali-CCP preprocessing (the format of its examples/ranking/data/ali-ccp samples), giving ali_ccp_{train,val,test}.csv. Domain sizes (Scenario-Wise-Rec README): 32,236,951 / 639,897 / 52,439,671. Loader as ali-ccp-sample; the files' own splits.",
    files: (["train", "val", "test"] as const).map((n) => ({
      name: n,
      path: `ali_ccp_${n}.csv`,
      url: "https://tianchi.aliyun.com/dataset/408",
      sha256: null,
      bytes: null,
      manual: `sign in at https://tianchi.aliyun.com/dataset/408, download Ali-CCP, preprocess it with torch-rechub's Ali-CCP script into ali_ccp_${n}.csv (columns as examples/ranking/data/ali-ccp/ali_ccp_${n}_sample.csv) and place it at <mirror>/ali-ccp/ali_ccp_${n}.csv or <cache>/ali-ccp/ali_ccp_${n}.csv`,
    })),
    loader: {
      format: ALI_CCP_FORMAT,
      splits: { train: ["train"], valid: ["val"], test: ["test"] },
      defaults: { minCount: 1 },
    },
  },
  {
    id: "census-income-kdd",
    title: "Census-Income (KDD): official test split, 99,762 rows (gzip)",
    homepage: "https://archive.ics.uci.edu/dataset/117/census+income+kdd",
    licence: "CC BY 4.0 (UCI Machine Learning Repository).",
    citation:
      "T. Lane and R. Kohavi. Census-Income (KDD). UCI Machine Learning Repository, 2000. https://doi.org/10.24432/C5N30T",
    complete: false,
    notes:
      "Complete official test split only (github.com/drawbridge/keras-mmoe, data/census-income.test.gz); the 199,523-row train split is missing, so this MMoE set-up re-splits the file 80/10/10 (seed 2022). Labels income (> 50K) and marital (never married), both source columns and the instance weight removed from the inputs; 7 numeric columns standardised with train statistics, 32 categorical (src/data/loaders/census.ts).",
    files: [
      {
        name: "test",
        path: "census-income.test.gz",
        url: gh("drawbridge/keras-mmoe", "2718f56e4313", "data/census-income.test.gz"),
        sha256: "5ac4cacd3ca9f1ecb10de1a0a41e4ac68fdc419e3fec190f5c0c6cc03b2ea659",
        bytes: 3261416,
      },
    ],
    loader: {
      format: CENSUS_FORMAT,
      splits: { train: ["train_split"], valid: ["valid_split"], test: ["test_split"] },
      derive: censusDerive(["test"], "random"),
      defaults: { minCount: 1 },
    },
  },
  {
    id: "census-income-kdd-full",
    standIn: "census-income-kdd",
    title: "Census-Income (KDD): official UCI train + test, 299,285 rows (paper profile)",
    homepage: "https://archive.ics.uci.edu/dataset/117/census+income+kdd",
    licence: "CC BY 4.0 (UCI Machine Learning Repository).",
    citation:
      "T. Lane and R. Kohavi. Census-Income (KDD). UCI Machine Learning Repository, 2000. https://doi.org/10.24432/C5N30T",
    complete: true,
    notes:
      'Checksums NOT pinned here (trust-on-first-use, recorded in <cache>/<id>/checksums.json). 199,523 train + 99,762 test rows from the official UCI folder. Default split as in the MMoE paper and keras-mmoe: the official train file is train, the official test file is halved at random into valid and test (seed 2022); derive: { split: "random" } re-splits all rows 8:1:1 instead. Same features and labels as census-income-kdd.',
    files: [
      {
        name: "train",
        path: "census-income.data.gz",
        url: "https://archive.ics.uci.edu/ml/machine-learning-databases/census-income-mld/census-income.data.gz",
        sha256: null,
        bytes: null,
      },
      {
        name: "test",
        path: "census-income.test.gz",
        url: "https://archive.ics.uci.edu/ml/machine-learning-databases/census-income-mld/census-income.test.gz",
        sha256: null,
        bytes: null,
      },
    ],
    loader: {
      format: CENSUS_FORMAT,
      splits: { train: ["train_split"], valid: ["valid_split"], test: ["test_split"] },
      derive: censusDerive(["train", "test"], "official"),
      defaults: { minCount: 1 },
    },
  },
  {
    id: "taobao-userbehavior",
    title: "Taobao UserBehavior (Tianchi 649): first 84,475 rows",
    homepage: "https://tianchi.aliyun.com/dataset/649",
    licence: "Alibaba Tianchi research-use terms: non-commercial, cite the source, no redistribution.",
    citation:
      "H. Zhu, X. Li, P. Zhang, G. Li, J. He, H. Li, K. Gai. Learning Tree-based Deep Model for Recommender Systems. KDD 2018.",
    complete: false,
    notes:
      'Head of UserBehavior.csv (815 users of ~988k; 84,475 of 100,150,807 rows, plus a truncated last line that the loader drops and reports), github.com/Haohanblue/mydeep, renamed. Loaded as a cascaded click -> purchase task over a constructed exposure space: every (user, item) the user acted on is a click, purchase = click AND buy; the clicked pairs are split 80/10/10 at random (seed 2018) and each split gets 3 sampled negative exposures per click, uniform over that split\'s catalogue; features include cat_history, the user\'s earlier actions in the category. derive: { negatives: "popularity", split: "rows", sameCategoryShare: 0.5 } restores v1\'s sampling (popularity-weighted negatives, pool split afterwards), under which click is not learnable. See src/data/loaders/taobao.ts.',
    files: [
      {
        name: "behaviors",
        path: "UserBehavior_head.csv",
        url: gh("Haohanblue/mydeep", "ef812addc2c1", "mydeep/UserBehavior.csv"),
        sha256: "9cbce278d485d50954029082dd1b22f0dc78dc38776f58d953f0cbe18d6608b4",
        bytes: 3178496,
      },
    ],
    loader: {
      format: TAOBAO_FORMAT,
      splits: { train: ["train"], valid: ["valid"], test: ["test"] },
      derive: taobaoDerive("behaviors"),
      defaults: { minCount: 2 },
    },
  },
  {
    id: "taobao-userbehavior-full",
    standIn: "taobao-userbehavior",
    title: "Taobao UserBehavior (Tianchi 649): full log, 100,150,807 rows (paper profile, manual download)",
    homepage: "https://tianchi.aliyun.com/dataset/649",
    licence: "Alibaba Tianchi research-use terms: non-commercial, cite the source, no redistribution.",
    citation:
      "H. Zhu, X. Li, P. Zhang, G. Li, J. He, H. Li, K. Gai. Learning Tree-based Deep Model for Recommender Systems. KDD 2018.",
    complete: true,
    notes:
      "Checksum NOT pinned here (trust-on-first-use, recorded in <cache>/<id>/checksums.json). Same exposure-space construction as taobao-userbehavior; the derivation streams one user at a time (the log is ordered by user) and keeps only per-item tables in memory.",
    files: [
      {
        name: "behaviors",
        path: "UserBehavior.csv",
        url: "https://tianchi.aliyun.com/dataset/649",
        sha256: null,
        bytes: null,
        manual:
          "Tianchi requires signing in and accepting the data set terms: download UserBehavior.csv.zip from https://tianchi.aliyun.com/dataset/649, unzip it and place UserBehavior.csv at <mirror>/taobao-userbehavior-full/UserBehavior.csv or <cache>/taobao-userbehavior-full/UserBehavior.csv",
      },
    ],
    loader: {
      format: TAOBAO_FORMAT,
      splits: { train: ["train"], valid: ["valid"], test: ["test"] },
      derive: taobaoDerive("behaviors"),
      defaults: { minCount: 2 },
    },
  },
  {
    id: "taobao-display-ad",
    title:
      "Taobao display-ad click log (Tianchi 56, raw_sample.csv): TEM4CTR's Alibaba set (paper profile, manual download)",
    homepage: "https://tianchi.aliyun.com/dataset/56",
    licence: "Alibaba Tianchi research-use terms: non-commercial, cite the source, no redistribution.",
    citation:
      "Z. Zhang, F. Meng, H. Guo, W. Guo, J. Zhu, X. Zhao, R. Tang, X. Li (TEM4CTR, arXiv 2308.09966); data: Alibaba Tianchi dataset 56 (Ad Display/Click Data on Taobao.com).",
    complete: true,
    notes:
      'raw_sample.csv (user, time_stamp, adgroup_id, pid, nonclk, clk; ~26M rows, ~1.14M users, 8 days). Checksum NOT pinned here (trust-on-first-use). Feedback-log reader src/data/feedback.ts taobaoDisplayAdFeedbackLog (streamed; header required and checked): item = adgroup_id, clk = 1 a click, else an unclicked exposure; optional maxUsers keeps a deterministic user-id-hash subsample. TEM4CTR\'s split (preprocess_alibaba_align.py): feedbackSamples split "date" with splitTime 1494604799 (TAOBAO_AD_SPLIT_TIME). Not a tabular-pipeline set (loadDataset refuses it); see src/papers/tem4ctr/README.md.',
    files: [
      {
        name: "raw_sample",
        path: "raw_sample.csv",
        url: "https://tianchi.aliyun.com/dataset/56",
        sha256: null,
        bytes: null,
        manual:
          "Tianchi requires signing in: download raw_sample.csv.tar.gz from https://tianchi.aliyun.com/dataset/56, extract raw_sample.csv and place it at <mirror>/taobao-display-ad/raw_sample.csv or <cache>/taobao-display-ad/raw_sample.csv",
      },
    ],
    loader: null,
    feedback: { reader: "taobaoDisplayAdFeedbackLog" },
  },
  {
    id: "microvideo-1.7m",
    title:
      "MicroVideo-1.7M (THACIL, Chen et al. MM 2018): TEM4CTR's second official set (paper profile, manual download)",
    homepage: "https://github.com/Ocxs/THACIL",
    licence:
      "Research use as stated by the THACIL authors (data shared on request / via their repository links).",
    citation:
      "X. Chen, D. Liu, Z.-J. Zha, W. Zhou, Z. Xiong, Y. Li. Temporal Hierarchical Attention at Category- and Item-Level for Micro-Video Click-Through Prediction. ACM MM 2018.",
    complete: true,
    notes:
      'train_data.csv / test_data.csv (user_id, item_id, cate_id, is_click, timestamp; header line optional, checked when present). Checksums NOT pinned (trust-on-first-use). Feedback-log reader src/data/feedback.ts microvideoFeedbackLog: is_click = 1 a click, else an unclicked exposure; as in TEM4CTR\'s preprocess_microvideo_align.py the files stay apart (test item ids offset past the train ids, test_data.csv events a separate history per user, marked as test users for feedbackSamples split "date"); cate_id is checked but unused. Not a tabular-pipeline set (loadDataset refuses it); see src/papers/tem4ctr/README.md.',
    files: [
      {
        name: "train",
        path: "train_data.csv",
        url: "https://github.com/Ocxs/THACIL",
        sha256: null,
        bytes: null,
        manual:
          "Follow the data link in https://github.com/Ocxs/THACIL (MicroVideo-1.7M) and place train_data.csv at <mirror>/microvideo-1.7m/train_data.csv or <cache>/microvideo-1.7m/train_data.csv",
      },
      {
        name: "test",
        path: "test_data.csv",
        url: "https://github.com/Ocxs/THACIL",
        sha256: null,
        bytes: null,
        manual:
          "Follow the data link in https://github.com/Ocxs/THACIL (MicroVideo-1.7M) and place test_data.csv at <mirror>/microvideo-1.7m/test_data.csv or <cache>/microvideo-1.7m/test_data.csv",
      },
    ],
    loader: null,
    feedback: { reader: "microvideoFeedbackLog" },
  },
  {
    id: "tmall-mbcgcn",
    title: "Tmall multi-behaviour (MB-CGCN version): view / cart / buy, 15,449 users x 11,953 items",
    homepage: `https://github.com/${MBCGCN}`,
    licence:
      "No licence file in the repository; Tianchi research-use terms (non-commercial, cite the source).",
    citation:
      "Y. Cheng, S. Chen, J. Hao, X. Wu. Multi-Behavior Recommendation with Cascading Graph Convolution Networks. WWW 2023. Data: Tmall / Tianchi (IJCAI-15).",
    complete: true,
    notes:
      "Graph loader (src/data/graph.ts loadMultiBehaviour): train files are per-user lines \"user item item ...\" (tab-separated), buy_test one held-out purchase per user. view_train.txt.gz is derived from the repository's s_adj_mat.npz (the raw train file is over the snapshot limit; see the mirror's SOURCE.md). CIGF's own Tmall (MB-GMN) has pv / fav / cart / buy: see tmall-mbgmn.",
    files: [
      {
        name: "view",
        path: "view_train.txt.gz",
        url: gh(MBCGCN, MBCGCN_COMMIT, "Data/view/s_adj_mat.npz"),
        sha256: "e3e8674de45debf501ec6dcd6cc0b68c19000d8939903fb9c2d3c6dc96260664",
        bytes: 1836112,
      },
      {
        name: "cart",
        path: "cart_train.txt",
        url: gh(MBCGCN, MBCGCN_COMMIT, "Data/cart/train.txt"),
        sha256: "481a048118ad3837208534a4367c2f20f290cd2a6f9297a621897655b62f2dbc",
        bytes: 972161,
      },
      {
        name: "buy",
        path: "buy_train.txt",
        url: gh(MBCGCN, MBCGCN_COMMIT, "Data/buy/train.txt"),
        sha256: "4d8619e44b5292736daff25b18ff9b295893e7521e3d79faff4a62d48dd80e6e",
        bytes: 531627,
      },
      {
        name: "test",
        path: "buy_test.txt",
        url: gh(MBCGCN, MBCGCN_COMMIT, "Data/buy/test.txt"),
        sha256: "aa643ff3e3f072238740b684277e65ee2eaeecdcd3c5ec1134756d4adfb1672b",
        bytes: 157169,
      },
    ],
    loader: null,
    graph: {
      behaviours: [
        ["view", "view"],
        ["cart", "cart"],
        ["buy", "buy"],
      ],
      test: "test",
    },
  },
  {
    id: "beibei-ghcf",
    title:
      "Beibei multi-behaviour (GHCF / NMTR version): cart / buy, 21,716 users x 7,977 items (page views missing)",
    homepage: `https://github.com/${GHCF}`,
    licence: "No explicit licence; research use, cite NMTR and GHCF.",
    citation:
      "C. Gao, X. He, D. Gan, X. Chen, F. Feng, Y. Li, T.-S. Chua, D. Jin. Neural Multi-Task Recommendation from Multi-Behavior Data. ICDE 2019. C. Chen, W. Ma, M. Zhang, Z. Wang, X. He, C. Wang, Y. Liu, S. Ma. Graph Heterogeneous Multi-Relational Recommendation. AAAI 2021.",
    complete: false,
    notes:
      "Graph loader (src/data/graph.ts): same users and items as CIGF's Beibei, but pv.txt (page views, the largest behaviour) is missing from every copy found, so the graph has 2 behaviours (cart, buy). train.txt = purchases (target), test.txt one held-out purchase per user.",
    files: [
      {
        name: "cart",
        path: "cart.txt",
        url: gh(GHCF, GHCF_COMMIT, "Data/Beibei/cart.txt"),
        sha256: "fabc00d05a4674df2b7cf372b4b67144818aac83a1d79b83d2268f514568549a",
        bytes: 3253442,
      },
      {
        name: "buy",
        path: "train.txt",
        url: gh(GHCF, GHCF_COMMIT, "Data/Beibei/train.txt"),
        sha256: "0e7c792b48eea1c122ac657ef95415bc943d1a4e9b08531334c0c7904ab51538",
        bytes: 1500012,
      },
      {
        name: "test",
        path: "test.txt",
        url: gh(GHCF, GHCF_COMMIT, "Data/Beibei/test.txt"),
        sha256: "84709478e3b07aa7c20e39fbcd22e0ca57b485e16ed1338294cf8b9e411eef18",
        bytes: 227286,
      },
    ],
    loader: null,
    graph: {
      behaviours: [
        ["cart", "cart"],
        ["buy", "buy"],
      ],
      test: "test",
    },
  },
  {
    id: "tmall-mbgmn",
    title:
      "Tmall multi-behaviour as in MB-GMN / CIGF: pv / fav / cart / buy, 147,894 users x 99,037 items (paper profile)",
    homepage: `https://github.com/${MBGMN}`,
    licence: "Tianchi research-use terms (non-commercial, cite the source).",
    citation: MBGMN_CITE,
    complete: true,
    notes:
      "Checksum NOT pinned here (trust-on-first-use). The official CIGF / MB-GMN Tmall split, in MB-GMN's Datasets/Tmall.",
    files: mbgmnFiles("Tmall", ["pv", "fav", "cart", "buy"]),
    standIn: "tmall-mbcgcn",
    loader: null,
    graph: mbgmnGraph(["pv", "fav", "cart", "buy"]),
  },
  {
    id: "beibei-mbgmn",
    title:
      "Beibei multi-behaviour as in MB-GMN / CIGF: pv / cart / buy, 21,716 users x 7,977 items (paper profile)",
    homepage: `https://github.com/${MBGMN}`,
    licence: "Research use; cite NMTR and MB-GMN.",
    citation: MBGMN_CITE,
    complete: true,
    notes:
      "Checksum NOT pinned here (trust-on-first-use). The official CIGF / MB-GMN Beibei split with page views, in MB-GMN's Datasets/beibei.",
    files: mbgmnFiles("beibei", ["pv", "cart", "buy"]),
    standIn: "beibei-ghcf",
    loader: null,
    graph: mbgmnGraph(["pv", "cart", "buy"]),
  },
  {
    id: "ijcai-mbgmn",
    title:
      "IJCAI-15 multi-behaviour as in MB-GMN / CIGF: click / fav / cart / buy, 423,423 users x 874,328 items (paper profile)",
    homepage: `https://github.com/${MBGMN}`,
    licence: "Tianchi research-use terms (IJCAI-15 repeat buyers contest data).",
    citation: MBGMN_CITE,
    complete: true,
    notes:
      "Checksum NOT pinned here (trust-on-first-use). MB-GMN's Datasets/ijcai/readme.txt points to an external download; CIGF trains it with base_framework_samp_final.py (sampled sub-graphs).",
    files: mbgmnFiles("ijcai", ["click", "fav", "cart", "buy"]),
    loader: null,
    graph: mbgmnGraph(["click", "fav", "cart", "buy"]),
  },
];

/** Throws `DataError("BAD_ID")` unless `id` is a safe data set id (no path separators, no ".."). */
export function validateDatasetId(id: unknown): string {
  return checkDatasetId(
    id,
    DATASETS.map((d) => d.id),
  );
}

/** The registry entry for `id`; unknown or path-like ids throw a DataError naming the id and listing the known ones. */
export function getDataset(id: string): DatasetEntry {
  validateDatasetId(id);
  const e = DATASETS.find((d) => d.id === id);
  if (e === undefined)
    throw new DataError(
      "UNKNOWN_DATASET",
      `unknown dataset id "${id}" (known ids: ${DATASETS.map((d) => d.id).join(", ")})`,
    );
  return e;
}

/** The file spec named `name` of an entry. */
export function getFile(entry: DatasetEntry, name: string): DataFileSpec {
  const f = entry.files.find((x) => x.name === name);
  if (f === undefined)
    throw new DataError(
      "BAD_OPTION",
      `dataset ${entry.id} has no file named "${name}" (has ${entry.files.map((x) => x.name).join(", ")})`,
    );
  return f;
}
