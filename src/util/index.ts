/** Small dependency-free helpers every layer may use (files, project root, objects, profile). */
export * from "./fs";
export * from "./root";
export * from "./object";
export * from "./profile";
